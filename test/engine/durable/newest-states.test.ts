import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import type { AlertStatus } from '../../../src/domain/alert.js';
import type { AlertStateRecord } from '../../../src/engine/alert-state-store.js';
import { chainKey } from '../../../src/engine/alert-state-store.js';
import { upsertAlertStates } from '../../../src/history/alert-states-repository.js';
import { forEachDatabase } from '../../support/databases.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { indexesOf, planOf, recording } from '../../support/query-plan.js';
import { aTarget, scriptedPublisher, startEngine } from './support/engine-harness.js';

const JOB = {
  pagerFiring: '00000000-0000-4000-8000-000000000001',
  pagerResolved: '00000000-0000-4000-8000-000000000002',
  auditFiring: '00000000-0000-4000-8000-000000000003',
};

function aState(
  target: string,
  fingerprint: string,
  status: AlertStatus,
  jobId: string,
): AlertStateRecord {
  return {
    target,
    fingerprint,
    state: { startsAtMs: Date.parse('2026-12-07T03:00:00Z'), status },
    jobId,
    alertname: 'DiskFull',
    labels: { alertname: 'DiskFull' },
    at: Date.parse('2026-12-07T03:00:01Z'),
  };
}

/**
 * The durable engine's newest states (docs/alert-state.md, "Replay checks for a newer state"):
 * one statement for a whole batch of (target, fingerprint) pairs, a primary-key probe of
 * publishing_alert_states per pair, among many other recorded states.
 */
forEachDatabase('durable engine: newest states of a batch', (ctx) => {
  beforeEach(async () => {
    const db = ctx.db();
    await db.query(
      'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_alert_states',
    );
    await db.query(`INSERT INTO publishing_alert_states (target_name, fingerprint, starts_at,
        resolved, job_id, alertname, labels, updated_at)
      SELECT 'pager', lpad(to_hex(g), 16, '0'), now(), false, gen_random_uuid(), 'A',
        '{"alertname": "A"}'::jsonb, now()
      FROM generate_series(1, 5000) AS g`);
    // The newer state is the one kept (the upsert's rule): pager's resolve replaces its firing.
    await upsertAlertStates(db, [
      aState('pager', 'fp-1', 'firing', JOB.pagerFiring),
      aState('audit', 'fp-1', 'firing', JOB.auditFiring),
    ]);
    await upsertAlertStates(db, [aState('pager', 'fp-1', 'resolved', JOB.pagerResolved)]);
  });

  it('answers the newest state of each pair asked for, none for a pair without one, in one statement', async (t) => {
    const { db, statements } = recording(ctx.db());
    const publisher = scriptedPublisher();
    const engine = await startEngine(db, createFakeClock(), publisher, {
      targets: [aTarget('pager', publisher), aTarget('audit', publisher)],
    });
    t.after(() => engine.stop(1_000));
    const chains = [
      { target: 'pager', fingerprint: 'fp-1' },
      { target: 'audit', fingerprint: 'fp-1' },
      { target: 'pager', fingerprint: 'fp-unknown' },
      { target: 'gone', fingerprint: 'fp-1' },
      { target: 'audit', fingerprint: '0000000000000001' },
      { target: 'pager', fingerprint: '0000000000000001' },
    ];

    const seeded = await ctx.db().query<{ job_id: string }>(
      `SELECT job_id FROM publishing_alert_states
       WHERE target_name = 'pager' AND fingerprint = '0000000000000001'`,
    );

    statements.length = 0;
    const found = await engine.newestStates(chains);

    const key = (target: string, fingerprint: string): string => chainKey({ target, fingerprint });
    assert.deepEqual(
      new Map([...found].map(([k, state]) => [k, [state.jobId, state.state.status]])),
      new Map([
        [key('pager', 'fp-1'), [JOB.pagerResolved, 'resolved']],
        [key('audit', 'fp-1'), [JOB.auditFiring, 'firing']],
        [key('pager', '0000000000000001'), [seeded.rows[0]?.job_id, 'firing']],
      ]),
      'the pairs without a state (fp-unknown, gone, audit of 0…01) are absent',
    );

    const reads = statements.filter((s) => s.sql.includes('publishing_alert_states'));
    assert.equal(reads.length, 1, 'one statement for the batch');
    const [read] = reads;
    assert.ok(read !== undefined);
    const nodes = await planOf(ctx.db(), read.sql, read.params);
    const scans = nodes.filter((n) => n['Relation Name'] === 'publishing_alert_states');
    assert.ok(scans.length > 0);
    assert.deepEqual(
      scans.map((n) => n['Index Name']),
      scans.map(() => 'publishing_alert_states_pkey'),
      `a primary-key probe per pair: ${JSON.stringify(indexesOf(nodes))}`,
    );
  });

  it('answers an empty batch with no statement', async (t) => {
    const { db, statements } = recording(ctx.db());
    const publisher = scriptedPublisher();
    const engine = await startEngine(db, createFakeClock(), publisher);
    t.after(() => engine.stop(1_000));
    statements.length = 0;
    assert.equal((await engine.newestStates([])).size, 0);
    assert.deepEqual(
      statements.filter((s) => s.sql.includes('publishing_alert_states')),
      [],
    );
  });
});
