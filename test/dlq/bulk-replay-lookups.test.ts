import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { alertStateOf } from '../../src/domain/alert-state.js';
import { createDlqRepository } from '../../src/dlq/dlq-repository.js';
import { replayMatching } from '../../src/dlq/replay-matching.js';
import { upsertAlertStates } from '../../src/history/alert-states-repository.js';
import { forEachDatabase } from '../support/databases.js';
import { aDeadLetter } from '../support/dlq-fixtures.js';
import { createFakeClock } from '../support/fake-clock.js';
import { recording } from '../support/query-plan.js';
import {
  aTarget,
  scriptedPublisher,
  startEngine,
} from '../engine/durable/support/engine-harness.js';

/**
 * Bulk replay's check for a newer state (docs/alert-state.md, "Replay checks for a newer
 * state") costs one lookup per chunk however many letters and targets it holds: a statement per
 * letter and configured target was 1 000 statements for a chunk of 100 letters and 10 targets.
 */
forEachDatabase('bulk replay: one newest-state lookup per chunk', (ctx) => {
  beforeEach(async () => {
    await ctx
      .db()
      .query(
        'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_alert_states',
      );
  });

  it('a dry run of 100 letters on 10 targets in chunks of 50 reads the newest states in 2 statements and skips the superseded', async (t) => {
    const clock = createFakeClock();
    const publisher = scriptedPublisher();
    const targets = Array.from({ length: 10 }, (_, i) => aTarget(`t${i}`, publisher));
    const { db, statements } = recording(ctx.db());
    const engine = await startEngine(db, clock, publisher, { targets });
    t.after(() => engine.stop(1_000));
    const letters = Array.from({ length: 100 }, (_, i) =>
      aDeadLetter({ targetName: `t${i % 10}` }),
    );
    // Every tenth letter's alert resolved since, recorded for another target than its own.
    await upsertAlertStates(
      ctx.db(),
      letters
        .filter((_, i) => i % 10 === 0)
        .map((letter) => ({
          target: 't9',
          fingerprint: letter.alert.fingerprint,
          state: { ...alertStateOf(letter.alert), status: 'resolved' },
          jobId: randomUUID(),
          alertname: 'DiskFull',
          labels: letter.alert.labels,
          at: clock.now(),
        })),
    );
    const repo = createDlqRepository({ db: ctx.db(), clock });
    await repo.write(letters);
    const deps = { repo, engine, targets: new Map(targets.map((target) => [target.name, target])) };

    statements.length = 0;
    const run = await replayMatching(deps, {}, { limit: 100, chunkSize: 50, dryRun: true });

    assert.deepEqual([run.matched, run.would_replay, run.skipped_superseded], [100, 90, 10]);
    const lookups = statements.filter((s) => s.sql.includes('publishing_alert_states'));
    assert.equal(lookups.length, 2, 'one statement per chunk');
  });
});
