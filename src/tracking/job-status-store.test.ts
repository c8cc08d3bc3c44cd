import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Job, JobSnapshot } from '../domain/job.js';
import { anAlert } from '../../test/support/builders.js';
import { createJobStatusStore } from './job-status-store.js';

function aSnapshot(id: string, overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id,
    fingerprint: '0123456789abcdef',
    alertname: 'HighLatency',
    alertStatus: 'firing',
    target: 'audit',
    priority: 'medium',
    state: 'queued',
    attempts: 0,
    retries: 0,
    submittedAt: 0,
    updatedAt: 0,
    history: [],
    ...overrides,
  };
}

const ids = (snapshots: JobSnapshot[]): string[] => snapshots.map((s) => s.id);

describe('job-status store', () => {
  it('evicts the least recently updated job beyond capacity', () => {
    const store = createJobStatusStore({ capacity: 3 });
    for (const id of ['a', 'b', 'c']) store.put(aSnapshot(id));
    store.put(aSnapshot('a', { state: 'processing' }));
    store.put(aSnapshot('d'));
    assert.equal(store.get('b'), undefined);
    assert.equal(store.get('a')?.state, 'processing');
    assert.equal(store.size, 3);
    assert.deepEqual(ids(store.list({})), ['d', 'a', 'c']);
  });

  it('returns a stored snapshot field for field, its optional fields only when given', () => {
    const store = createJobStatusStore({ capacity: 5 });
    const full = aSnapshot('full', {
      alertStatus: 'resolved',
      alertStartsAt: 1_764_417_000_000,
      state: 'dlq',
      attempts: 4,
      retries: 3,
      submittedAt: 1_764_417_600_000,
      updatedAt: 1_764_417_600_900,
      startedAt: 1_764_417_600_010,
      completedAt: 1_764_417_600_900,
      nextAttemptAt: 1_764_417_600_500,
      lastError: { type: 'transient', reason: 'server_error', status: 503, message: 'HTTP 503' },
      replayOf: 'dlq-entry-1',
    });
    store.put(full);
    store.put(aSnapshot('bare'));
    assert.deepEqual(store.get('full'), full);
    assert.deepEqual(store.get('bare'), aSnapshot('bare'));
  });

  it('reuses an evicted slot without carrying anything of the evicted job over', () => {
    const store = createJobStatusStore({ capacity: 1 });
    store.put(
      aSnapshot('old', {
        state: 'dlq',
        startedAt: 3,
        lastError: { type: 'permanent', reason: 'client_error', message: 'HTTP 400' },
        replayOf: 'x',
      }),
    );
    store.put(aSnapshot('new'));
    assert.equal(store.get('old'), undefined);
    assert.deepEqual(store.get('new'), aSnapshot('new'));
    assert.deepEqual(ids(store.list({})), ['new']);
  });

  it('does not reorder on reads, so a read job can still be evicted', () => {
    const store = createJobStatusStore({ capacity: 2 });
    store.put(aSnapshot('a'));
    store.put(aSnapshot('b'));
    assert.ok(store.get('a'));
    assert.deepEqual(ids(store.list({})), ['b', 'a']);
    store.put(aSnapshot('c'));
    assert.equal(store.get('a'), undefined);
    assert.deepEqual(ids(store.list({})), ['c', 'b']);
  });

  it('lists most recently updated first with state, priority, target and limit filters', () => {
    const store = createJobStatusStore({ capacity: 100 });
    store.put(aSnapshot('1', { state: 'dlq', priority: 'high', target: 'pd' }));
    store.put(aSnapshot('2', { state: 'succeeded', priority: 'high', target: 'pd' }));
    store.put(aSnapshot('3', { state: 'dlq', priority: 'low', target: 'slack' }));
    store.put(aSnapshot('4', { state: 'dlq', priority: 'high', target: 'slack' }));
    assert.deepEqual(ids(store.list({ state: 'dlq' })), ['4', '3', '1']);
    assert.deepEqual(ids(store.list({ priority: 'high' })), ['4', '2', '1']);
    assert.deepEqual(ids(store.list({ target: 'pd' })), ['2', '1']);
    assert.deepEqual(ids(store.list({ state: 'dlq', target: 'slack', priority: 'high' })), ['4']);
    assert.deepEqual(ids(store.list({ limit: 2 })), ['4', '3']);
  });

  it('lists at most 100 by default', () => {
    const store = createJobStatusStore({ capacity: 500 });
    for (let i = 0; i < 300; i += 1) store.put(aSnapshot(String(i)));
    assert.equal(store.list({}).length, 100);
    assert.equal(store.list({})[0]?.id, '299');
  });

  it('reads a tracked job as its snapshot at read time, ordered with put snapshots', () => {
    const store = createJobStatusStore({ capacity: 10 });
    const alert = anAlert({ alertname: 'DiskFull' });
    const job: Job = {
      id: 'live',
      alert,
      target: 'audit',
      priority: 'high',
      state: 'queued',
      history: [],
      attempts: 0,
      retries: 0,
      submittedAt: 5,
      updatedAt: 5,
    };
    store.track(job);
    store.put(aSnapshot('other'));
    job.state = 'processing';
    job.attempts = 1;
    job.startedAt = 7;
    store.track(job);
    const read = store.get('live');
    assert.deepEqual(read, {
      id: 'live',
      fingerprint: alert.fingerprint,
      alertname: 'DiskFull',
      alertStatus: alert.status,
      alertStartsAt: Date.parse(alert.startsAt),
      target: 'audit',
      priority: 'high',
      state: 'processing',
      attempts: 1,
      retries: 0,
      submittedAt: 5,
      updatedAt: 5,
      startedAt: 7,
      history: [],
    });
    assert.deepEqual(ids(store.list({})), ['live', 'other']);
    assert.deepEqual(ids(store.list({ state: 'processing' })), ['live']);
    job.state = 'succeeded';
    assert.equal(read?.state, 'processing', 'a snapshot read earlier does not change');
    assert.equal(store.get('live')?.state, 'succeeded');
  });

  it('reads the jobs of one alert in the order it first saw them, tracked and stored alike', () => {
    const store = createJobStatusStore({ capacity: 10 });
    const alert = anAlert({ alertname: 'DiskFull' });
    store.put(aSnapshot('first', { fingerprint: alert.fingerprint }));
    store.put(aSnapshot('other', { fingerprint: 'ffffffffffffffff' }));
    store.track({
      id: 'live',
      alert,
      target: 'audit',
      priority: 'high',
      state: 'retrying',
      history: [{ at: 9, durationMs: 3, status: 503, reason: 'server_error' }],
      attempts: 1,
      retries: 1,
      submittedAt: 8,
      updatedAt: 9,
    });
    store.put(aSnapshot('last', { fingerprint: alert.fingerprint }));
    // Updating a job reorders the recency list, not the alert's jobs.
    store.put(aSnapshot('first', { fingerprint: alert.fingerprint, state: 'succeeded' }));
    const jobs = store.ofFingerprint(alert.fingerprint, 10);
    assert.deepEqual(ids(jobs), ['first', 'live', 'last']);
    assert.equal(jobs[0]?.state, 'succeeded');
    assert.deepEqual(jobs[1]?.history, [
      { at: 9, durationMs: 3, status: 503, reason: 'server_error' },
    ]);
    assert.deepEqual(ids(store.ofFingerprint(alert.fingerprint, 2)), ['live', 'last']);
    assert.deepEqual(store.ofFingerprint('0000000000000000', 10), []);
  });

  it('keeps the alerts index consistent with eviction, whatever the order of puts', () => {
    // A model of what the store holds: ids by the order they took a slot, evicted LRU. 24
    // fingerprints over the index's 16 buckets: some share a chain.
    const capacity = 7;
    const store = createJobStatusStore({ capacity });
    const recency: string[] = [];
    const takenAt = new Map<string, number>();
    const fingerprintOf = (n: number): string => `fp-${n % 24}`;
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let step = 0; step < 3_000; step += 1) {
      const n = next(60);
      const id = `job-${n}`;
      if (step % 2 === 0) store.put(aSnapshot(id, { fingerprint: fingerprintOf(n) }));
      else {
        const alert = anAlert({}, { fingerprint: fingerprintOf(n) });
        store.track({ ...aSnapshot(id), alert, history: [] });
      }
      const at = recency.indexOf(id);
      if (at >= 0) recency.splice(at, 1);
      else takenAt.set(id, step);
      recency.unshift(id);
      for (const gone of recency.splice(capacity)) takenAt.delete(gone);
      const fingerprint = fingerprintOf(next(24));
      const expected = [...takenAt]
        .filter(([held]) => fingerprintOf(Number(held.slice(4))) === fingerprint)
        .sort((a, b) => a[1] - b[1])
        .map(([held]) => held);
      assert.deepEqual(ids(store.ofFingerprint(fingerprint, capacity)), expected, `step ${step}`);
    }
  });
});
