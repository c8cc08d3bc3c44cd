import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderTimeline } from './alert-timeline-text.js';

/** A timeline of one target with one job, as the API's alert timeline answers it. */
function timelineOf(job: Record<string, unknown>): unknown {
  return {
    fingerprint: 'f00d',
    alertname: 'DiskFull',
    targets: [{ target: 'pager', newest_state: null, jobs: [job] }],
  };
}

const attempt = { at: '2026-12-07T10:00:00.000Z', duration_ms: 5, reason: 'server_error' };

describe('the alert timeline as text (alerts show)', () => {
  it('says nothing of attempts not kept while the first attempt is running', () => {
    const text = renderTimeline(
      timelineOf({ id: 'j1', state: 'processing', attempts: 1, attempt_history: [] }),
    );
    assert.doesNotMatch(text, /not kept/, text);
  });

  it('counts the attempts not kept among those that ended', () => {
    const history = Array.from({ length: 20 }, () => attempt);
    const running = renderTimeline(
      timelineOf({ id: 'j1', state: 'processing', attempts: 23, attempt_history: history }),
    );
    assert.match(running, /\(2 earlier attempts not kept\)/, running);
    const waiting = renderTimeline(
      timelineOf({ id: 'j1', state: 'retrying', attempts: 23, attempt_history: history }),
    );
    assert.match(waiting, /\(3 earlier attempts not kept\)/, waiting);
  });

  it('says when a job waiting for its down target becomes a dead letter', () => {
    const job = { id: 'j1', state: 'retrying', attempts: 2, attempt_history: [attempt] };
    const deadline = '2026-12-07T11:00:00.000Z';
    const waiting = renderTimeline(
      timelineOf({ ...job, waiting_for_target: true, dead_letter_after: deadline }),
    );
    assert.match(waiting, /waiting for target, dead letter after 2026-12-07T11:00:00\.000Z/);
    const retrying = renderTimeline(
      timelineOf({ ...job, waiting_for_target: false, dead_letter_after: null }),
    );
    assert.doesNotMatch(retrying, /waiting for target/, retrying);
  });
});
