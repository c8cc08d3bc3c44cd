import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { alertStateOf } from '../domain/alert-state.js';
import { AppError } from '../domain/errors.js';
import { upsertAlertStates } from '../history/alert-states-repository.js';
import type { Target } from '../domain/target.js';
import { anAlert } from '../../test/support/builders.js';
import { eventually } from '../../test/support/eventually.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import {
  aDeadLetter,
  aTarget,
  createFakeEngine,
  type FakeEngine,
  storeLetters,
  withCode,
} from '../../test/support/dlq-fixtures.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { DlqEntry } from './dlq-entry.js';
import {
  createDlqRepository,
  DEFAULT_CLAIM_LEASE_MS,
  type DlqRepository,
} from './dlq-repository.js';
import { MAX_BULK_REPLAY, replayEntry, type ReplayDeps } from './replay-entry.js';
import { replayMatching } from './replay-matching.js';
import { replayShutdownEntries } from './replay-shutdown-entries.js';
import { trackReplayOutcomes } from './track-replay-outcomes.js';

forEachDatabase('DLQ replay', (ctx) => {
  const clock = createFakeClock();
  let repo: DlqRepository;
  let engine: FakeEngine;
  let targets: Map<string, Target>;
  let deps: ReplayDeps;

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
    repo = createDlqRepository({ db: ctx.db(), clock });
    engine = createFakeEngine();
    targets = new Map([['audit', aTarget('audit')]]);
    deps = { repo, engine, targets };
  });

  const stored = (letters?: DeadLetter[]): Promise<DlqEntry[]> => storeLetters(repo, letters);

  it('submits the stored alert to the current target and records the job', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    const { job_id } = await replayEntry(deps, entry.id);
    assert.deepEqual(engine.submitted, [
      { alert: entry.enriched_alert.alert, target: 'audit', replayOf: entry.id },
    ]);
    const after = await repo.get(entry.id);
    assert.equal(after?.replayed, true);
    assert.equal(after?.replay_job_id, job_id);
    assert.equal(after?.replay_result, 'submitted');
    assert.equal(after?.replayed_at, new Date(clock.now()).toISOString());
  });

  it('of two replays of one entry at once exactly one creates a job', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    const results = await Promise.allSettled([
      replayEntry(deps, entry.id),
      replayEntry(deps, entry.id),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected');
    assert.ok(rejected !== undefined && withCode('already_replayed')(rejected.reason));
    assert.equal(engine.submitted.length, 1);
  });

  it('answers not_found for an unknown id and already_replayed on a second replay', async () => {
    await assert.rejects(
      replayEntry(deps, '00000000-0000-4000-8000-000000000000'),
      withCode('not_found'),
    );
    await assert.rejects(replayEntry(deps, 'nope'), withCode('not_found'));
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    await replayEntry(deps, entry.id);
    await assert.rejects(replayEntry(deps, entry.id), withCode('already_replayed'));
  });

  it('refuses with target_not_configured and leaves the entry untouched when the target is gone or disabled', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    targets.set('audit', aTarget('audit', { enabled: false }));
    await assert.rejects(replayEntry(deps, entry.id), withCode('target_not_configured'));
    targets.clear();
    await assert.rejects(replayEntry(deps, entry.id), withCode('target_not_configured'));
    assert.deepEqual(await repo.get(entry.id), entry);
    assert.equal(engine.submitted.length, 0);
  });

  it('releases the claim when the queue is full, so a later replay succeeds', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    engine.refuseWith = { ok: false, code: 'queue_full', priority: 'medium', retryAfterMs: 5000 };
    await assert.rejects(
      replayEntry(deps, entry.id),
      (error: unknown) =>
        withCode('queue_full')(error) && error instanceof AppError && error.retryAfterMs === 5000,
    );
    const released = await repo.get(entry.id);
    assert.deepEqual(
      [released?.replayed, released?.replayed_at, released?.replay_result, released?.replay_job_id],
      [false, null, null, null],
    );
    engine.refuseWith = { ok: false, code: 'stopping', retryAfterMs: 1000 };
    await assert.rejects(replayEntry(deps, entry.id), withCode('stopping'));
    engine.refuseWith = undefined;
    const { job_id } = await replayEntry(deps, entry.id);
    assert.equal((await repo.get(entry.id))?.replay_job_id, job_id);
  });

  it('a claim left by a process that died before submitting blocks replays until the lease passes, then one replay takes it over', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    // The dead process: it claimed, then never submitted nor released.
    assert.ok((await repo.claimReplay(entry.id)) !== undefined);
    const orphan = await repo.get(entry.id);
    assert.deepEqual(
      [orphan?.replayed, orphan?.replay_result, orphan?.replay_job_id],
      [true, 'submitted', null],
    );
    await assert.rejects(replayEntry(deps, entry.id), withCode('already_replayed'));
    await clock.advance(DEFAULT_CLAIM_LEASE_MS + 1);
    const results = await Promise.allSettled([
      replayEntry(deps, entry.id),
      replayEntry(deps, entry.id),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(engine.submitted.length, 1);
    const after = await repo.get(entry.id);
    assert.equal(after?.replayed_at, new Date(clock.now()).toISOString());
    assert.ok(after?.replay_job_id !== null);
  });

  it('the retention tick makes stale claims unreplayed again, so bulk replay picks them up', async () => {
    const [stale, fresh] = await stored([aDeadLetter(), aDeadLetter()]);
    assert.ok(stale !== undefined && fresh !== undefined);
    await repo.claimReplay(stale.id);
    await clock.advance(DEFAULT_CLAIM_LEASE_MS + 1);
    await repo.claimReplay(fresh.id);
    assert.equal(await repo.releaseStaleClaims(), 1);
    assert.equal((await repo.get(stale.id))?.replayed, false);
    assert.equal((await repo.get(fresh.id))?.replayed, true);
    const bulk = await replayMatching(deps, {}, { limit: 10 });
    assert.deepEqual([bulk.matched, bulk.replayed], [1, 1]);
    assert.equal(engine.submitted[0]?.replayOf, stale.id);
  });

  it('releases the claim when the submit throws', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    engine.submit = () => Promise.reject(new Error('engine bug'));
    await assert.rejects(replayEntry(deps, entry.id), /failed to submit; claim released/);
    const released = await repo.get(entry.id);
    assert.deepEqual(
      [released?.replayed, released?.replayed_at, released?.replay_result, released?.replay_job_id],
      [false, null, null, null],
    );
  });

  it('a late release of a claim that was taken over leaves the newer claim alone', async () => {
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    const first = await repo.claimReplay(entry.id);
    await clock.advance(DEFAULT_CLAIM_LEASE_MS + 1);
    const second = await repo.claimReplay(entry.id);
    assert.ok(first?.replayed_at != null && second?.replayed_at != null);
    assert.equal(await repo.releaseReplay(entry.id, first.replayed_at), false);
    assert.equal((await repo.get(entry.id))?.replayed_at, second.replayed_at);
    assert.equal(await repo.releaseReplay(entry.id, second.replayed_at), true);
  });

  it('when recording the job fails after the submit, the job outcome records the job id', async () => {
    trackReplayOutcomes(engine, repo, silentLogger);
    const [entry] = await stored();
    assert.ok(entry !== undefined);
    const failing: DlqRepository = {
      ...repo,
      recordReplayJob: () => Promise.reject(new Error('database down')),
    };
    await assert.rejects(
      replayEntry({ ...deps, repo: failing }, entry.id),
      /submitted but not recorded/,
    );
    const [jobId] = engine.jobIds();
    assert.ok(jobId !== undefined);
    assert.equal((await repo.get(entry.id))?.replay_job_id, null);
    engine.finish(jobId, 'succeeded');
    await eventually(
      'replay job id recorded',
      async () => (await repo.get(entry.id))?.replay_job_id === jobId,
    );
    assert.equal((await repo.get(entry.id))?.replay_result, 'succeeded');
    await assert.rejects(replayEntry(deps, entry.id), withCode('already_replayed'));
  });

  it('records the replay job outcome on the entry it replays', async () => {
    trackReplayOutcomes(engine, repo, silentLogger);
    const [ok, bad] = await stored([aDeadLetter(), aDeadLetter()]);
    assert.ok(ok !== undefined && bad !== undefined);
    const okJob = await replayEntry(deps, ok.id);
    const badJob = await replayEntry(deps, bad.id);
    engine.finish(okJob.job_id, 'succeeded');
    engine.finish(badJob.job_id, 'dlq');
    await eventually(
      'replay outcome recorded',
      async () => (await repo.get(bad.id))?.replay_result === 'failed',
    );
    assert.equal((await repo.get(ok.id))?.replay_result, 'succeeded');
  });

  it('replays a firing before its resolve when both were dead-lettered at the same stop', async () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1' };
    const resolve = aDeadLetter({
      errorReason: 'shutdown',
      alert: anAlert(labels, { status: 'resolved' }),
    });
    // Submitted before its resolve, though its letter object was made after it.
    const fire = aDeadLetter({
      errorReason: 'shutdown',
      alert: anAlert(labels),
      submittedAt: resolve.submittedAt - 1,
    });
    // Same failed_at, random ids: only the submission order can order them (5 rounds so a
    // regression cannot pass by the luck of one id order).
    for (let round = 0; round < 5; round += 1) {
      engine.submitted.length = 0;
      const entries = await stored([
        { ...resolve, jobId: randomUUID(), failedAt: fire.failedAt },
        { ...fire, jobId: randomUUID() },
      ]);
      await replayShutdownEntries(deps, silentLogger);
      assert.deepEqual(
        engine.submitted.map((r) => r.alert.status),
        ['firing', 'resolved'],
      );
      for (const entry of entries) await repo.remove(entry.id);
    }
  });

  it('at start replays only unreplayed shutdown entries whose target is configured', async () => {
    const entries = await stored([
      aDeadLetter({ errorReason: 'shutdown' }),
      aDeadLetter({ errorReason: 'shutdown', targetName: 'gone' }),
      aDeadLetter({ errorReason: 'server_error' }),
      aDeadLetter({ errorReason: 'shutdown' }),
    ]);
    assert.equal(await replayShutdownEntries(deps, silentLogger), 2);
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      [entries[0]?.id, entries[3]?.id],
    );
    assert.equal(await replayShutdownEntries(deps, silentLogger), 0);
  });

  it('at start replays the shutdown entries of a target whose breaker is open: their jobs wait for it', async () => {
    const entries = await stored([
      aDeadLetter({ errorReason: 'shutdown' }),
      aDeadLetter({ errorReason: 'shutdown' }),
      aDeadLetter({ errorReason: 'shutdown' }),
    ]);
    // Opened by the first ones' failures at start, before the rest were replayed.
    engine.breakers.set('audit', 'open');
    assert.equal(await replayShutdownEntries(deps, silentLogger), 3);
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      entries.map((entry) => entry.id),
    );
  });

  it('at start replays the shutdown entries of a configured target behind more than 1000 of a removed one', async () => {
    const removed = Array.from({ length: MAX_BULK_REPLAY + 1 }, () =>
      aDeadLetter({ errorReason: 'shutdown', targetName: 'removed' }),
    );
    await repo.write([
      ...removed,
      aDeadLetter({ errorReason: 'shutdown' }),
      aDeadLetter({ errorReason: 'shutdown' }),
    ]);
    const configured = (await repo.list({ filter: { target: 'audit' } })).entries.reverse();
    assert.equal(await replayShutdownEntries(deps, silentLogger), 2);
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      configured.map((entry) => entry.id),
    );
  });

  it('a letter of a target re-enabled after its alert resolved on another target is superseded: single replay 409, bulk replay skips it, the list marks it', async () => {
    await ctx.db().query('TRUNCATE publishing_alert_states');
    // `audit` was disabled: its firing became a target_removed letter, and the resolve that
    // followed was routed to `pager` only. `audit` is enabled again.
    targets.set('pager', aTarget('pager'));
    const firing = aDeadLetter({ errorReason: 'target_removed', errorType: 'transient' });
    const [entry] = await stored([firing]);
    assert.ok(entry !== undefined);
    const { fingerprint } = firing.alert;
    const resolved = { ...alertStateOf(firing.alert), status: 'resolved' as const };
    const jobId = randomUUID();
    engine.newest.set(`pager\u0000${fingerprint}`, { jobId, state: resolved });
    await upsertAlertStates(ctx.db(), [
      {
        target: 'pager',
        fingerprint,
        state: resolved,
        jobId,
        alertname: 'HighLatency',
        labels: firing.alert.labels,
        at: clock.now(),
      },
    ]);
    await assert.rejects(replayEntry(deps, entry.id), withCode('superseded'));
    const bulk = await replayMatching(deps, {}, { limit: 10 });
    assert.deepEqual([bulk.replayed, bulk.skipped_superseded], [0, 1]);
    assert.equal(engine.submitted.length, 0);
    const listing = createDlqRepository({
      db: ctx.db(),
      clock,
      targetNames: () => [...targets.keys()],
    });
    assert.equal((await listing.get(entry.id))?.superseded, true);
    assert.equal((await listing.list({ filter: {} })).entries[0]?.superseded, true);
  });
});
