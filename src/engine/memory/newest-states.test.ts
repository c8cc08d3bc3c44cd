import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createFakeClock } from '../../../test/support/fake-clock.js';
import { silentLogger } from '../../../test/support/databases.js';
import type { AlertChain, AlertStateRecord, AlertStateStore } from '../alert-state-store.js';
import { chainKey } from '../alert-state-store.js';
import { NewestStates, STATE_WRITE_MAX_DEFER_MS } from './newest-states.js';

const FLUSH_MS = 1_000;
const PAGER_A: AlertChain = { target: 'pager', fingerprint: 'a' };

function recordOf(fingerprint: string, jobId: string, at: number): AlertStateRecord {
  return {
    target: 'pager',
    fingerprint,
    state: { startsAtMs: 0, status: 'firing' },
    jobId,
    alertname: 'DiskFull',
    labels: { alertname: 'DiskFull' },
    at,
  };
}

/** A store that keeps what it is given, in order of the writes. */
function memoryStore(): AlertStateStore & {
  writes: AlertStateRecord[][];
  reads: AlertChain[][];
} {
  const writes: AlertStateRecord[][] = [];
  const reads: AlertChain[][] = [];
  return {
    writes,
    reads,
    save(records) {
      writes.push([...records]);
      return Promise.resolve();
    },
    read(chains) {
      reads.push([...chains]);
      const found = new Map<string, AlertStateRecord>();
      for (const record of writes.flat()) {
        if (chains.some((chain) => chainKey(chain) === chainKey(record))) {
          found.set(chainKey(record), record);
        }
      }
      return Promise.resolve(found);
    },
    recent: () => Promise.resolve([]),
    purge: () => Promise.resolve(0),
  };
}

describe('newest states, written behind', () => {
  it('writes every flush interval while the engine is idle', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(10, store, clock, silentLogger, FLUSH_MS, () => false);
    states.record(recordOf('a', 'job-1', clock.now()));
    await clock.advance(FLUSH_MS - 1);
    assert.equal(store.writes.length, 0);
    await clock.advance(1);
    assert.deepEqual(
      store.writes.map((w) => w.map((r) => r.jobId)),
      [['job-1']],
    );
  });

  it('waits while the engine is busy, at most the longest deferral, then writes', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    let busy = true;
    const states = new NewestStates(10, store, clock, silentLogger, FLUSH_MS, () => busy);
    states.record(recordOf('a', 'job-1', clock.now()));
    await clock.advance(STATE_WRITE_MAX_DEFER_MS - FLUSH_MS);
    assert.equal(store.writes.length, 0, 'deferred while busy');
    await clock.advance(FLUSH_MS);
    assert.equal(store.writes.length, 1, 'written once the deferral bound is reached');

    states.record(recordOf('b', 'job-2', clock.now()));
    await clock.advance(FLUSH_MS);
    assert.equal(store.writes.length, 1);
    busy = false;
    await clock.advance(FLUSH_MS);
    assert.deepEqual(
      store.writes.map((w) => w.map((r) => r.jobId)),
      [['job-1'], ['job-2']],
    );
  });

  it('holds the last capacity states; one it no longer holds is read from the store after the pending write', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(2, store, clock, silentLogger, FLUSH_MS, () => true);
    for (const fingerprint of ['a', 'b', 'c', 'd', 'e']) {
      states.record(recordOf(fingerprint, `job-${fingerprint}`, clock.now()));
    }
    assert.equal(states.get('pager', 'a'), undefined, 'the oldest generation was dropped');
    assert.equal(states.get('pager', 'd')?.jobId, 'job-d');
    assert.equal(states.get('pager', 'e')?.jobId, 'job-e');
    assert.equal(store.writes.length, 0, 'busy: nothing written yet');
    assert.equal((await states.find([PAGER_A])).get(chainKey(PAGER_A))?.jobId, 'job-a');
    assert.deepEqual(
      store.writes.map((w) => w.map((r) => r.jobId)),
      [['job-a', 'job-b', 'job-c', 'job-d', 'job-e']],
    );
  });

  it('answers a batch from the states it holds and reads all the others in one store read, after the pending write', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(2, store, clock, silentLogger, FLUSH_MS, () => true);
    for (const fingerprint of ['a', 'b', 'c', 'd', 'e']) {
      states.record(recordOf(fingerprint, `job-${fingerprint}`, clock.now()));
    }
    const chains = ['a', 'b', 'd', 'e', 'unknown'].map((fingerprint) => ({
      target: 'pager',
      fingerprint,
    }));
    const found = await states.find([...chains, { target: 'other', fingerprint: 'e' }]);
    assert.deepEqual(
      [...found].map(([key, state]) => [key, state.jobId]).sort(),
      ['a', 'b', 'd', 'e'].map((f) => [chainKey({ target: 'pager', fingerprint: f }), `job-${f}`]),
    );
    assert.deepEqual(
      store.reads.map((read) => read.map(chainKey)),
      [['pager\u0000a', 'pager\u0000b', 'pager\u0000unknown', 'other\u0000e']],
      'the pairs not held, in one read',
    );
    assert.equal(store.writes.length, 1, 'the pending states were written first');
  });

  it('asks the store nothing when it holds every pair asked for', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(10, store, clock, silentLogger, FLUSH_MS, () => true);
    states.record(recordOf('a', 'job-a', clock.now()));
    assert.equal((await states.find([PAGER_A])).get(chainKey(PAGER_A))?.jobId, 'job-a');
    assert.deepEqual([store.reads, store.writes], [[], []]);
  });

  it('writes one record per alert and target, the newest', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(10, store, clock, silentLogger, FLUSH_MS, () => false);
    states.record(recordOf('a', 'job-1', clock.now()));
    states.record(recordOf('a', 'job-2', clock.now()));
    await clock.advance(FLUSH_MS);
    assert.deepEqual(
      store.writes.map((w) => w.map((r) => r.jobId)),
      [['job-2']],
    );
  });

  it('writes what waits at stop, busy or not', async () => {
    const clock = createFakeClock();
    const store = memoryStore();
    const states = new NewestStates(10, store, clock, silentLogger, FLUSH_MS, () => true);
    states.record(recordOf('a', 'job-1', clock.now()));
    await states.flush();
    assert.deepEqual(
      store.writes.map((w) => w.map((r) => r.jobId)),
      [['job-1']],
    );
  });
});
