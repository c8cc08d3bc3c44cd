import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { AppError } from '../../src/domain/errors.js';
import { createDlqRepository, type DlqRepository } from '../../src/dlq/dlq-repository.js';
import { replayEntry, type ReplayDeps } from '../../src/dlq/replay-entry.js';
import {
  trackReplayOutcomes,
  type ReplayOutcomeTracker,
} from '../../src/dlq/track-replay-outcomes.js';
import type { DlqEntry } from '../../src/dlq/dlq-entry.js';
import { forEachDatabase, silentLogger } from '../support/databases.js';
import { createFakeClock } from '../support/fake-clock.js';
import { BAD_REQUEST } from '../support/scripted-publisher.js';
import {
  anAuditRequest,
  anEngineOnDlq,
  stopEngine,
  submitted,
  type EngineOnDlq,
} from './engine-on-dlq.js';

forEachDatabase('replay through the real engine', (ctx) => {
  const clock = createFakeClock();
  let repo: DlqRepository;
  let h: EngineOnDlq;
  let tracker: ReplayOutcomeTracker;
  let deps: ReplayDeps;
  let seq = 0;

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
    repo = createDlqRepository({ db: ctx.db(), clock });
    h = anEngineOnDlq({ clock, repo });
    tracker = trackReplayOutcomes(h.engine, repo, silentLogger);
    deps = { repo, engine: h.engine, targets: h.targets };
  });
  afterEach(async () => {
    await stopEngine(h.engine, clock);
    await tracker.idle();
  });

  /** A job the engine dead-letters at its first attempt (400), and its stored entry. */
  async function aDeadLetteredJob(): Promise<DlqEntry> {
    h.publisher.script(BAD_REQUEST);
    seq += 1;
    const [jobId] = await submitted(h.engine, [anAuditRequest({ seq: String(seq) })]);
    assert.ok(jobId !== undefined);
    assert.equal((await h.finished(jobId)).state, 'dlq');
    const page = await repo.list({ filter: { reason: 'client_error' }, limit: 1 });
    const entry = page.entries[0];
    assert.equal(entry?.job_id, jobId);
    return entry;
  }

  it('a replay with the target healthy succeeds and the entry says succeeded', async () => {
    const entry = await aDeadLetteredJob();
    const { job_id } = await replayEntry(deps, entry.id);
    const job = await h.finished(job_id);
    assert.deepEqual([job.state, job.replayOf], ['succeeded', entry.id]);
    await tracker.idle();
    const after = await repo.get(entry.id);
    assert.deepEqual(
      [after?.replayed, after?.replay_job_id, after?.replay_result],
      [true, job_id, 'succeeded'],
    );
    assert.deepEqual(
      h.publisher.deliveries.map((d) => d.jobId),
      [entry.job_id, job_id],
    );
    assert.equal((await repo.stats()).total, 1);
  });

  it('a replay that fails again writes a new entry naming the old one, which says failed', async () => {
    const entry = await aDeadLetteredJob();
    h.publisher.script(BAD_REQUEST);
    const { job_id } = await replayEntry(deps, entry.id);
    assert.equal((await h.finished(job_id)).state, 'dlq');
    await tracker.idle();
    assert.equal((await repo.get(entry.id))?.replay_result, 'failed');
    const page = await repo.list({ filter: { fingerprint: entry.fingerprint } });
    assert.equal(page.total, 2);
    // Both failed at the same fake-clock instant, so newest-first order cannot tell them apart.
    const newer = page.entries.find((e) => e.id !== entry.id);
    assert.deepEqual([newer?.job_id, newer?.replay_of, newer?.replayed], [job_id, entry.id, false]);
    assert.deepEqual(newer?.enriched_alert, entry.enriched_alert);
  });

  it('two replays of one entry at once create exactly one job', async () => {
    const entry = await aDeadLetteredJob();
    const results = await Promise.allSettled([
      replayEntry(deps, entry.id),
      replayEntry(deps, entry.id),
    ]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.job_id] : []));
    const lost = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
    assert.equal(won.length, 1);
    assert.ok(lost[0] instanceof AppError && lost[0].code === 'already_replayed');
    const replays = (await h.engine.listJobs({})).filter((job) => job.replayOf === entry.id);
    assert.deepEqual(
      replays.map((job) => job.id),
      won,
    );
    await h.finished(won[0] ?? '');
    assert.equal(h.engine.stats().submitted, 2);
  });
});
