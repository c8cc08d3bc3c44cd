import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AlertState } from '../domain/alert-state.js';
import type { RecordedState } from './supersession.js';
import { admitAtHead, admitIntoChain, stateToJudge } from './supersession.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = Date.parse('2026-12-07T15:00:00Z');
const FIRING: AlertState = { startsAtMs: Date.parse('2026-12-07T14:00:00Z'), status: 'firing' };

function recorded(deliveredAt?: number): RecordedState {
  return { jobId: 'first', state: FIRING, deliveredAt };
}

describe('admitIntoChain', () => {
  it('skips the same state delivered 10 m ago within a 1 h resend_after, superseded by that job', () => {
    assert.deepEqual(
      admitIntoChain(FIRING, recorded(NOW - 10 * MINUTE), { resendAfterMs: HOUR, nowMs: NOW }),
      { kind: 'stale', by: 'first' },
    );
  });

  it('sends the same state delivered 2 h ago, outside a 1 h resend_after', () => {
    assert.deepEqual(
      admitIntoChain(FIRING, recorded(NOW - 2 * HOUR), { resendAfterMs: HOUR, nowMs: NOW }),
      { kind: 'newest' },
    );
    assert.deepEqual(
      admitIntoChain(FIRING, recorded(NOW - HOUR), { resendAfterMs: HOUR, nowMs: NOW }),
      { kind: 'newest' },
      'the window ends at resend_after',
    );
  });

  it('sends the same state whose job was not delivered (waiting, dead-lettered or unknown)', () => {
    assert.deepEqual(admitIntoChain(FIRING, recorded(), { resendAfterMs: HOUR, nowMs: NOW }), {
      kind: 'newest',
    });
  });

  it('sends a newer state however recently the older one was delivered', () => {
    const window = { resendAfterMs: HOUR, nowMs: NOW };
    const resolved: AlertState = { ...FIRING, status: 'resolved' };
    const refired: AlertState = { startsAtMs: FIRING.startsAtMs + 1, status: 'firing' };
    assert.deepEqual(admitIntoChain(resolved, recorded(NOW - MINUTE), window), { kind: 'newest' });
    assert.deepEqual(admitIntoChain(refired, recorded(NOW - MINUTE), window), { kind: 'newest' });
  });

  it('sends the same state when resend_after is unset or 0 (every re-send is sent)', () => {
    const delivered = recorded(NOW - MINUTE);
    assert.deepEqual(admitIntoChain(FIRING, delivered), { kind: 'newest' });
    assert.deepEqual(admitIntoChain(FIRING, delivered, { resendAfterMs: undefined, nowMs: NOW }), {
      kind: 'newest',
    });
    assert.deepEqual(admitIntoChain(FIRING, delivered, { resendAfterMs: 0, nowMs: NOW }), {
      kind: 'newest',
    });
  });

  it('still skips an older state, with or without resend_after', () => {
    const older: AlertState = { startsAtMs: FIRING.startsAtMs - 1, status: 'resolved' };
    assert.deepEqual(admitIntoChain(older, recorded()), { kind: 'stale', by: 'first' });
  });

  it('lets an overflowed re-send of the newest state change nothing: neither newest nor superseding', () => {
    const window = { resendAfterMs: undefined, nowMs: NOW };
    assert.deepEqual(admitIntoChain(FIRING, undefined, window, true), { kind: 'overflow' });
    assert.deepEqual(admitIntoChain(FIRING, recorded(), window, true), { kind: 'overflow' });
  });

  it('makes an overflowed newer state the newest, so that the older waiting one is not sent', () => {
    const window = { resendAfterMs: undefined, nowMs: NOW };
    const resolved: AlertState = { ...FIRING, status: 'resolved' };
    const refired: AlertState = { startsAtMs: FIRING.startsAtMs + 1, status: 'firing' };
    assert.deepEqual(admitIntoChain(resolved, recorded(), window, true), { kind: 'newest' });
    assert.deepEqual(admitIntoChain(refired, recorded(), window, true), { kind: 'newest' });
  });

  it('still ends an overflowed job of an older state, or of a re-send within resend_after, stale', () => {
    const older: AlertState = { startsAtMs: FIRING.startsAtMs - 1, status: 'resolved' };
    assert.deepEqual(admitIntoChain(older, recorded(), undefined, true), {
      kind: 'stale',
      by: 'first',
    });
    const window = { resendAfterMs: HOUR, nowMs: NOW };
    assert.deepEqual(admitIntoChain(FIRING, recorded(NOW - MINUTE), window, true), {
      kind: 'stale',
      by: 'first',
    });
  });
});

describe('admitAtHead', () => {
  const window = { resendAfterMs: HOUR, nowMs: NOW };

  it('skips the same state the job before it delivered within resend_after, superseded by that job', () => {
    assert.deepEqual(admitAtHead({ state: FIRING, isReplay: false }, recorded(NOW - 100), window), {
      kind: 'stale',
      by: 'first',
    });
  });

  it('sends when the job before it was not delivered, delivered too long ago, or held another state', () => {
    assert.deepEqual(admitAtHead({ state: FIRING, isReplay: false }, recorded(), window), {
      kind: 'send',
    });
    assert.deepEqual(
      admitAtHead({ state: FIRING, isReplay: false }, recorded(NOW - HOUR), window),
      { kind: 'send' },
    );
    assert.deepEqual(admitAtHead({ state: FIRING, isReplay: false }, undefined, window), {
      kind: 'send',
    });
    const resolved: AlertState = { ...FIRING, status: 'resolved' };
    assert.deepEqual(
      admitAtHead({ state: resolved, isReplay: false }, recorded(NOW - 100), window),
      { kind: 'send' },
    );
  });

  it('sends a replay (a forced one is never skipped)', () => {
    assert.deepEqual(admitAtHead({ state: FIRING, isReplay: true }, recorded(NOW - 100), window), {
      kind: 'send',
    });
  });

  it('sends without resend_after', () => {
    assert.deepEqual(
      admitAtHead({ state: FIRING, isReplay: false }, recorded(NOW - 100), {
        resendAfterMs: undefined,
        nowMs: NOW,
      }),
      {
        kind: 'send',
      },
    );
  });
});

describe('stateToJudge', () => {
  const firing = { startsAtMs: 1_000, status: 'firing' } as const;
  const resolved = { startsAtMs: 1_000, status: 'resolved' } as const;

  it("takes the target's own state, without reading the others", () => {
    const own = { jobId: 'own', state: firing, deliveredAt: 5 };
    assert.deepEqual(
      stateToJudge(own, () => {
        throw new Error('read');
      }),
      own,
    );
  });

  it('takes the newest state of the other targets, without a delivery, when the target has none', () => {
    const others = [{ jobId: 'a', state: firing }, undefined, { jobId: 'b', state: resolved }];
    assert.deepEqual(
      stateToJudge(undefined, () => others),
      { jobId: 'b', state: resolved },
    );
    assert.equal(
      stateToJudge(undefined, () => [undefined]),
      undefined,
    );
  });
});
