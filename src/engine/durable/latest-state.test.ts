import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';

import { anAlert } from '../../../test/support/builders.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import { indexesOf, planOf, recording } from '../../../test/support/query-plan.js';
import type { Db } from '../../db/db.js';
import type { NewJob } from './job-row.js';
import type { LatestState } from './latest-state.js';
import { applyLatestState, decideLatestState, readRecordedStates } from './latest-state.js';

const NOW_MS = Date.parse('2026-12-07T03:00:01Z');

/** The latest-state rule for `jobs` alone: their recorded states read, then decided. */
async function latestStateOf(
  db: Db,
  jobs: readonly NewJob[],
  configured: readonly string[] = [],
): Promise<LatestState> {
  const latest: LatestState = { stale: new Map(), newest: new Map() };
  const recorded = await readRecordedStates(db, jobs, configured);
  decideLatestState(latest, recorded, jobs, NOW_MS, new Set());
  return latest;
}

function newJob(fingerprint: string, status: 'firing' | 'resolved'): NewJob {
  return {
    id: randomUUID(),
    target: 'sink',
    alert: anAlert(
      { instance: fingerprint },
      { fingerprint, status, startsAt: '2026-12-07T03:00:00.000Z' },
    ),
    priority: 'medium',
  };
}

/**
 * The latest-state statements of a durable admission read one index entry per alert whatever
 * the planner knows: on a young table without statistics (a storm right after start) they once
 * scanned every newest state, or every waiting job of the target through the due index, per
 * batch (docs/benchmarks.md, webhook-duel).
 */
forEachDatabase('durable latest-state statements', (ctx) => {
  const CHAIN = 'aaaaaaaaaaaaaaaa';

  beforeEach(async () => {
    const db = ctx.db();
    await db.query('TRUNCATE publishing_jobs, publishing_alert_states');
    await db.query(`INSERT INTO publishing_alert_states (target_name, fingerprint, starts_at,
        resolved, job_id, alertname, labels, updated_at)
      SELECT 'sink', lpad(to_hex(g), 16, '0'), now(), false, gen_random_uuid(), 'A',
        '{"alertname": "A"}'::jsonb, now()
      FROM generate_series(1, 5000) AS g`);
    // A backlog: 10 000 waiting and 10 000 finished jobs of other alerts, then the chain of
    // CHAIN: two waiting jobs, one retrying and one that already succeeded.
    await db.query(`INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname,
        alert_status, priority, state, alert, submitted_at, updated_at, due_at, completed_at,
        may_wait, starts_at)
      SELECT gen_random_uuid(), 'sink', f, 'A', 'firing', 'medium', s, '{}'::json, now(), now(),
        now(), CASE WHEN s = 'succeeded' THEN now() END, false, '2026-12-07T02:00:00Z'
      FROM (SELECT lpad(to_hex(g), 16, '0') AS f,
          CASE WHEN g % 2 = 0 THEN 'queued' ELSE 'succeeded' END AS s
        FROM generate_series(1, 20000) g
        UNION ALL VALUES ('${CHAIN}', 'queued'), ('${CHAIN}', 'queued'), ('${CHAIN}', 'retrying'),
          ('${CHAIN}', 'succeeded')) AS j(f, s)`);
  });

  it('read the newest states, and their jobs for a target with resend_after, with a primary-key probe per alert', async () => {
    const { db, statements } = recording(ctx.db());
    const jobs = Array.from({ length: 100 }, (_, i) => ({
      ...newJob((i + 1).toString(16).padStart(16, '0'), 'firing'),
      resendAfterMs: 3_600_000,
    }));
    await latestStateOf(db, jobs);
    const read = statements.find((s) => s.sql.includes('publishing_alert_states'));
    assert.ok(read !== undefined);
    const nodes = await planOf(ctx.db(), read.sql, read.params);
    for (const [relation, index] of [
      ['publishing_alert_states', 'publishing_alert_states_pkey'],
      ['publishing_jobs', 'publishing_jobs_pkey'],
    ]) {
      const scans = nodes.filter((n) => n['Relation Name'] === relation);
      assert.ok(scans.length > 0, relation);
      for (const scan of scans) assert.equal(scan['Index Name'], index, JSON.stringify(scan));
    }
  });

  it('judge an alert new to its target by its newest state on the other configured targets, through the primary key', async () => {
    // A target added by a reload, and a late copy of the firing the others got the resolve of.
    const LATE = 'ffff000000000001';
    await ctx.db().query(`INSERT INTO publishing_alert_states (target_name, fingerprint,
        starts_at, resolved, job_id, alertname, labels, updated_at)
      VALUES ('pager', '${LATE}', '2026-12-07T03:00:00Z', true, gen_random_uuid(), 'A', '{}', now()),
        ('chat', '${LATE}', '2026-12-07T02:00:00Z', false, gen_random_uuid(), 'A', '{}', now())`);
    const { db, statements } = recording(ctx.db());
    const late = newJob(LATE, 'firing');
    const unknown = newJob('ffff000000000002', 'firing');
    const plan = await latestStateOf(db, [late, unknown], ['sink', 'pager', 'chat']);
    assert.ok(plan.stale.has(late.id), 'the late firing is older than the resolve on pager');
    assert.deepEqual([...plan.newest.values()], [unknown]);
    const read = statements.find((s) => s.sql.includes('publishing_alert_states'));
    assert.ok(read !== undefined);
    const scans = (await planOf(ctx.db(), read.sql, read.params)).filter(
      (n) => n['Relation Name'] === 'publishing_alert_states',
    );
    assert.ok(scans.length > 0);
    for (const scan of scans) {
      assert.equal(scan['Index Name'], 'publishing_alert_states_pkey', JSON.stringify(scan));
    }
  });

  it('supersede the waiting jobs of a chain through the chain index, and only those', async () => {
    const { db, statements } = recording(ctx.db());
    // A batch as Alertmanager sends one: the resolve of CHAIN and 99 alerts new to the target.
    const batch = [
      newJob(CHAIN, 'resolved'),
      ...Array.from({ length: 99 }, (_, i) => newJob((90_000 + i).toString(16), 'firing')),
    ];
    const plan = await latestStateOf(db, batch);
    const superseded = await applyLatestState(db, plan, Date.parse('2026-12-07T03:00:01Z'));

    assert.deepEqual(superseded.map((row) => row.state).sort(), [
      'superseded',
      'superseded',
      'superseded',
    ]);
    const left = await ctx
      .db()
      .query<{ state: string }>(
        `SELECT state FROM publishing_jobs WHERE fingerprint = $1 ORDER BY seq`,
        [CHAIN],
      );
    assert.deepEqual(
      left.rows.map((row) => row.state),
      ['superseded', 'superseded', 'superseded', 'succeeded'],
    );

    const update = statements.find((s) => s.sql.includes('UPDATE publishing_jobs'));
    assert.ok(update !== undefined);
    const nodes = await planOf(ctx.db(), update.sql, update.params);
    const indexes = indexesOf(nodes);
    assert.ok(indexes.includes('publishing_jobs_chain_idx'), JSON.stringify(nodes));
    assert.ok(!indexes.includes('publishing_jobs_due_idx'), JSON.stringify(nodes));
    for (const node of nodes.filter((n) => n['Relation Name'] === 'publishing_jobs')) {
      assert.notEqual(node['Node Type'], 'Seq Scan', JSON.stringify(node));
    }
  });

  // Two connections at once: PostgreSQL only (PGlite has one).
  if (ctx.kind === 'postgres') {
    it('leave a waiting job alone that a claim took while the supersession waited for it', async () => {
      const db = ctx.db();
      const fingerprint = 'bbbbbbbbbbbbbbbb';
      const queued = randomUUID();
      await db.query(
        `INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname, alert_status,
         priority, state, alert, submitted_at, updated_at, due_at, may_wait, starts_at)
       VALUES ($1, 'sink', $2, 'A', 'firing', 'medium', 'queued', '{}'::json, now(), now(),
         now(), false, '2026-12-07T02:00:00Z')`,
        [queued, fingerprint],
      );
      const plan = await latestStateOf(db, [newJob(fingerprint, 'resolved')]);
      let superseding: Promise<unknown> | undefined;
      await db.transaction(async (claim) => {
        // A claim holds the row, as claim-jobs.ts does, until it commits.
        await claim.query(
          `UPDATE publishing_jobs SET state = 'processing', lease_owner = 'other' WHERE id = $1`,
          [queued],
        );
        superseding = applyLatestState(db, plan, Date.parse('2026-12-07T03:00:01Z'));
        superseding.catch(() => undefined); // awaited below, after the claim commits
        await waitForLockWait(db);
      });
      assert.deepEqual(await superseding, []);
      const row = await db.query<{ state: string }>(
        'SELECT state FROM publishing_jobs WHERE id = $1',
        [queued],
      );
      assert.equal(row.rows[0]?.state, 'processing');
    });
  }
});

/** Returns once a backend of this database waits for a row lock. */
async function waitForLockWait(db: Db): Promise<void> {
  for (let tries = 0; tries < 500; tries += 1) {
    const waiting = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((waiting.rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no statement waited for the row lock');
}
