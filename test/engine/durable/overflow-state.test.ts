import assert from 'node:assert/strict';
import { it } from 'node:test';

import type { Alert } from '../../../src/domain/alert.js';
import type { PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { anAlert } from '../../support/builders.js';
import { forEachDatabase } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { newestStateOf } from '../../support/newest-state.js';
import {
  advanceUntil,
  aTarget,
  scriptedPublisher,
  startEngine,
  SERVER_ERROR_503,
} from './support/engine-harness.js';

/** Submits one alert to c and returns its job id (the submission must succeed). */
async function submitToC(engine: PublishingEngine, alert: Alert): Promise<string> {
  const result = await engine.submit([{ alert, target: 'c' }]);
  assert.ok(result.ok);
  const [id] = result.jobIds;
  assert.ok(id !== undefined);
  return id;
}

/**
 * An overflowed job leaves its alert's state alone (docs/alert-state.md, "Overflowed jobs"):
 * when Alertmanager re-sends a group while a target is down and over its share, the job still
 * queued within the share keeps its place and is delivered on recovery.
 */
forEachDatabase('durable engine: an overflowed job leaves the alert state alone', (ctx) => {
  it('a re-send that overflows supersedes nothing: the queued job stays, and is delivered on recovery', async (t) => {
    const db = ctx.db();
    await db.query(
      'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_alert_states',
    );
    const clock = createFakeClock();
    const c = scriptedPublisher();
    const b = scriptedPublisher();
    c.answerAll(SERVER_ERROR_503);
    b.answerAll({ ok: true });
    const engine = await startEngine(db, clock, c, {
      targets: [aTarget('c', c), aTarget('b', b)],
      config: {
        capacity: { high: 4, medium: 4, low: 4 },
        perTargetShare: 0.5,
        breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 60_000 },
      },
    });
    t.after(() => engine.stop(1_000));

    const x = anAlert({ n: 'overflow-x' });
    const first = await submitToC(engine, x);
    await eventually('c is down', () => engine.breakerState('c') === 'open');
    const y = await submitToC(engine, anAlert({ n: 'overflow-y' }));
    // Alertmanager re-sends the group: x unchanged (same startsAt), beyond c's share of 2.
    const again = await submitToC(engine, x);

    const kept = await engine.getJob(first);
    assert.equal(kept?.state, 'retrying', 'not superseded');
    assert.equal(kept?.supersededBy, undefined);
    assert.equal((await engine.getJob(y))?.state, 'queued');
    assert.equal((await engine.getJob(again))?.state, 'dlq');
    const letters = await db.query<{ job_id: string; error_reason: string }>(
      'SELECT job_id, error_reason FROM publishing_dlq',
    );
    assert.deepEqual(letters.rows, [{ job_id: again, error_reason: 'overflow' }]);
    assert.equal((await newestStateOf(engine, 'c', x.fingerprint))?.jobId, first);
    const recorded = await db.query<{ job_id: string }>(
      `SELECT job_id FROM publishing_alert_states WHERE target_name = 'c' AND fingerprint = $1`,
      [x.fingerprint],
    );
    assert.deepEqual(recorded.rows, [{ job_id: first }]);
    assert.equal(engine.stats().superseded, 0);

    c.answerAll({ ok: true });
    await advanceUntil(clock, 5_000, 'x and y delivered on recovery', async () => {
      const states = await Promise.all([first, y].map(async (id) => engine.getJob(id)));
      return states.every((job) => job?.state === 'succeeded');
    });
    assert.equal(engine.breakerState('c'), 'closed');
    assert.deepEqual(
      [...new Set(c.deliveries.map((d) => d.jobId))].sort(),
      [first, y].sort(),
      'c got x (its first job) and y; the overflowed re-send waits in the DLQ',
    );
  });
});
