import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { anAlert } from '../../../test/support/builders.js';
import type { Db } from '../../db/db.js';
import type { JobSnapshot } from '../../domain/job.js';
import { admitJobs } from '../../../test/engine/durable/support/admit-jobs.js';
import { claimJobs } from './claim-jobs.js';
import { InstanceLease } from './instance-lease.js';
import type { ReadRow } from './job-row.js';
import { READ_COLUMNS, snapshotFromRow } from './job-row.js';
import {
  deregisterInstance,
  registerInstance,
  releaseOrphanedJobs,
  releaseUnheld,
} from './leases.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const LEASE = 10_000;
const HEARTBEAT = 1_000;

function events(): { lost: string[]; unconfirmed: unknown[] } & {
  onLost(why: string): void;
  onUnconfirmed(error: unknown): void;
} {
  const seen = {
    lost: [] as string[],
    unconfirmed: [] as unknown[],
    onLost: (why: string) => seen.lost.push(why),
    onUnconfirmed: (error: unknown) => seen.unconfirmed.push(error),
  };
  return seen;
}

const HEALTHY = { isFailing: () => false, isThrottled: () => false, enabledCount: 1 };

async function submit(db: Db, n: number): Promise<string[]> {
  const jobs = Array.from({ length: n }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    target: 't0',
    alert: anAlert({ n: String(i) }),
    priority: 'high' as const,
  }));
  const admitted = await admitJobs(
    db,
    jobs,
    { capacity: { high: 100, medium: 100, low: 100 }, perTargetShare: 1 },
    HEALTHY,
    T0,
    {
      insert: () => Promise.resolve(0),
      errorOf: () => assert.fail('no overflow'),
      letterOf: () => assert.fail('no overflow'),
    },
  );
  assert.ok(admitted.ok);
  return jobs.map((job) => job.id);
}

async function claimAll(db: Db, owner: string, nowMs: number): Promise<string[]> {
  const claimed = await claimJobs(db, {
    owner,
    nowMs,
    limit: 100,
    slots: new Map([['t0', 100]]),
    maxWaitMs: { medium: 10_000, low: 60_000 },
    agedWentLast: new Set(),
  });
  return claimed.map((job) => job.id);
}

async function ownersOf(db: Db): Promise<Array<string | null>> {
  const rows = await db.query<{ lease_owner: string | null }>(
    'SELECT lease_owner FROM publishing_jobs ORDER BY id',
  );
  return rows.rows.map((row) => row.lease_owner);
}

async function snapshotOf(db: Db, id: string): Promise<JobSnapshot> {
  const rows = await db.query<ReadRow>(
    `SELECT ${READ_COLUMNS} FROM publishing_jobs WHERE id = $1`,
    [id],
  );
  const row = rows.rows[0];
  assert.ok(row !== undefined, `job ${id}`);
  return snapshotFromRow(row);
}

const LOST_DEAD =
  'instance dead stopped renewing its lease while holding this job: the target may have ' +
  'received this attempt, or the attempt may not have been made';

forEachDatabase('instance leases', (ctx) => {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_jobs, publishing_job_counts, publishing_instances');
  });

  it('a name still leased by an earlier process is not reused: the next owner id is taken', async () => {
    assert.equal(await registerInstance(ctx.db(), 'a', T0, LEASE), true);
    const lease = new InstanceLease(ctx.db(), 'a', LEASE, HEARTBEAT, events());
    await lease.register(T0);
    assert.equal(lease.owner, 'a/1');
    assert.equal(lease.covers(T0, LEASE - 1), true);
    assert.equal(lease.covers(T0, LEASE), false, 'an attempt must end within the lease');
  });

  it('claims need a live lease, and only lapsed or unknown owners lose their jobs', async () => {
    const db = ctx.db();
    await submit(db, 3);
    await registerInstance(db, 'live', T0, LEASE);
    await registerInstance(db, 'lapsing', T0, 2_000);
    assert.deepEqual(await claimAll(db, 'nobody', T0), [], 'no lease, no claim');
    assert.equal((await claimAll(db, 'live', T0)).length, 3);
    await db.query(`UPDATE publishing_jobs SET lease_owner = 'lapsing' WHERE id = $1`, [
      '00000000-0000-4000-8000-000000000000',
    ]);
    await db.query(`UPDATE publishing_jobs SET lease_owner = 'gone' WHERE id = $1`, [
      '00000000-0000-4000-8000-000000000001',
    ]);

    assert.equal(await releaseOrphanedJobs(db, T0 + 1_000, 100), 1, 'only the unknown owner');
    assert.deepEqual(await ownersOf(db), ['lapsing', null, 'live']);
    assert.equal(await releaseOrphanedJobs(db, T0 + 3_000, 100), 1, 'then the lapsed one');
    assert.deepEqual(await ownersOf(db), [null, null, 'live']);
    const instances = await db.query<{ id: string }>('SELECT id FROM publishing_instances');
    assert.deepEqual(
      instances.rows.map((row) => row.id),
      ['live'],
      'the lapsed row is swept',
    );
    const states = await db.query<{ state: string }>(
      `SELECT DISTINCT state FROM publishing_jobs WHERE lease_owner IS NULL`,
    );
    assert.deepEqual(
      states.rows.map((row) => row.state),
      ['retrying'],
    );
  });

  it('a job released from a lapsed instance keeps the attempt it was charged, possibly made', async () => {
    const db = ctx.db();
    const [id] = await submit(db, 1);
    await registerInstance(db, 'dead', T0, 2_000);
    assert.equal((await claimAll(db, 'dead', T0 + 500)).length, 1);
    assert.equal(await releaseOrphanedJobs(db, T0 + 3_000, 100), 1);
    const job = await snapshotOf(db, id ?? '');
    assert.equal(job.state, 'retrying');
    assert.equal(job.attempts, 1, 'the charged attempt stays counted');
    assert.deepEqual(job.history, [
      {
        at: T0 + 500,
        durationMs: 2_500,
        reason: 'shutdown',
        message: LOST_DEAD,
      },
    ]);
  });

  it('the released attempt joins the last 20 kept; a row no claim charged gets none', async () => {
    const db = ctx.db();
    const [full, unclaimed] = await submit(db, 2);
    await registerInstance(db, 'dead', T0, 2_000);
    await claimAll(db, 'dead', T0);
    const earlier = Array.from({ length: 20 }, (_, i) => ({
      at: new Date(T0 - 60_000 + i).toISOString(),
      duration_ms: i,
      http_status: 503,
    }));
    await db.query(`UPDATE publishing_jobs SET attempt_log = $2::jsonb WHERE id = $1`, [
      full,
      JSON.stringify(earlier),
    ]);
    // Processing without a claim's last_attempt_at (a row set by hand): no attempt to tell of.
    await db.query(`UPDATE publishing_jobs SET last_attempt_at = NULL WHERE id = $1`, [unclaimed]);
    assert.equal(await releaseOrphanedJobs(db, T0 + 3_000, 100), 2);
    const kept = (await snapshotOf(db, full ?? '')).history;
    assert.equal(kept.length, 20);
    assert.deepEqual(
      kept[0],
      { at: T0 - 60_000 + 1, durationMs: 1, status: 503 },
      'oldest dropped',
    );
    assert.equal(kept.at(-1)?.message, LOST_DEAD);
    assert.deepEqual((await snapshotOf(db, unclaimed ?? '')).history, []);
  });

  it('rows claimed under a live owner but not held by it are released, held ones kept', async () => {
    const db = ctx.db();
    const ids = await submit(db, 3);
    await registerInstance(db, 'me', T0, LEASE);
    await registerInstance(db, 'other', T0, LEASE);
    assert.equal((await claimAll(db, 'me', T0)).length, 3);
    await db.query(`UPDATE publishing_jobs SET lease_owner = 'other' WHERE id = $1`, [ids[2]]);
    // The claim of ids[1] committed, but the instance never received it.
    assert.equal(await releaseUnheld(db, 'me', [ids[0] ?? ''], T0 + 1), 1);
    assert.deepEqual(await ownersOf(db), ['me', null, 'other']);
    assert.equal(await releaseOrphanedJobs(db, T0 + 1, 100), 0, 'both owners are alive');
  });

  it('a lapsed lease is lost once, and the instance goes on under a new owner id', async () => {
    const seen = events();
    const lease = new InstanceLease(ctx.db(), 'b', LEASE, HEARTBEAT, seen);
    await lease.register(T0);
    await lease.beat(T0 + 5_000);
    assert.equal(lease.untilMs, T0 + 5_000 + LEASE);
    await lease.beat(T0 + 5_000 + LEASE + 1);
    assert.deepEqual(seen.lost, ['lease lapsed']);
    assert.equal(lease.owner, 'b/1');
    assert.equal(lease.covers(T0 + 5_000 + LEASE + 1, 0), true, 'registered again at once');
    await deregisterInstance(ctx.db(), lease.owner);
    const left = await ctx.db().query('SELECT id FROM publishing_instances');
    assert.deepEqual(left.rows, [{ id: 'b' }], 'the old row stays until a sweep');
  });

  it('while the database is unreachable the lease is given up before it can lapse', async () => {
    const seen = events();
    let down = false;
    const flaky: Db = {
      ...ctx.db(),
      query: (text, params) =>
        down ? Promise.reject(new Error('connection refused')) : ctx.db().query(text, params),
    };
    const lease = new InstanceLease(flaky, 'c', LEASE, HEARTBEAT, seen);
    await lease.register(T0);
    down = true;
    await lease.beat(T0 + LEASE - 2 * HEARTBEAT);
    assert.equal(seen.unconfirmed.length, 1, 'still covered past the next heartbeat');
    assert.deepEqual(seen.lost, []);
    await lease.beat(T0 + LEASE - HEARTBEAT);
    assert.deepEqual(seen.lost, ['lease could not be renewed before it lapses']);
    assert.equal(lease.covers(T0 + LEASE - HEARTBEAT, 0), false);
    down = false;
    await lease.beat(T0 + LEASE + HEARTBEAT);
    assert.equal(lease.owner, 'c/1');
    assert.equal(lease.covers(T0 + LEASE + HEARTBEAT, 0), true);
  });
});
