import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { anAlert } from '../../../test/support/builders.js';
import { admitHealthy } from '../../../test/engine/durable/support/admit-jobs.js';
import type { Db } from '../../db/db.js';
import type { Priority } from '../../domain/job.js';
import { claimJobs, urgentTurns } from './claim-jobs.js';
import { registerInstance } from './leases.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const MAX_WAIT = { medium: 10_000, low: 60_000 };
let serial = 0;

/** Admits `names` at `atMs` in one lane of target t0. */
async function admit(db: Db, priority: Priority, names: string[], atMs: number): Promise<void> {
  const jobs = names.map((n) => ({
    id: `00000000-0000-4000-8000-${String((serial += 1)).padStart(12, '0')}`,
    target: 't0',
    alert: anAlert({ n }),
    priority,
  }));
  await admitHealthy(db, jobs, atMs);
}

/** Whose turn it is per target, kept across claims as the dispatcher keeps it. */
let agedWentLast = new Set<string>();

/** The alerts' `n` labels of one claim of `slots` jobs, in claim order. */
async function claim(db: Db, slots: number, nowMs: number): Promise<string[]> {
  const claimed = await claimJobs(db, {
    owner: 'i1',
    nowMs,
    limit: slots,
    slots: new Map([['t0', slots]]),
    maxWaitMs: MAX_WAIT,
    agedWentLast,
  });
  urgentTurns(agedWentLast, claimed);
  const names = await db.query<{ id: string; n: string }>(
    `SELECT id, alert->'labels'->>'n' AS n FROM publishing_jobs WHERE id = ANY($1::uuid[])`,
    [claimed.map((job) => job.id)],
  );
  const byId = new Map(names.rows.map((row) => [row.id, row.n]));
  return claimed.map((job) => byId.get(job.id) ?? '?');
}

const names = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, k) => `${prefix}${k}`);

forEachDatabase('the durable claim order', (ctx) => {
  beforeEach(async () => {
    const db = ctx.db();
    await db.query('TRUNCATE publishing_jobs, publishing_job_counts, publishing_instances');
    await registerInstance(db, 'i1', T0, 3_600_000);
    agedWentLast = new Set();
  });

  it('takes high before medium before low while nothing has aged', async () => {
    const db = ctx.db();
    await admit(db, 'low', ['low0'], T0);
    await admit(db, 'medium', ['medium0'], T0);
    await admit(db, 'high', ['high0'], T0);
    assert.deepEqual(await claim(db, 3, T0 + 1_000), ['high0', 'medium0', 'low0']);
  });

  it('alternates aged warnings and critical alerts: a backlog delays a critical by one job', async () => {
    const db = ctx.db();
    await admit(db, 'medium', names('warning', 20), T0);
    await admit(db, 'high', ['critical0', 'critical1'], T0 + 11_000);
    assert.deepEqual(await claim(db, 5, T0 + 12_000), [
      'warning0',
      'critical0',
      'warning1',
      'critical1',
      'warning2',
    ]);
  });

  it('keeps the turns across claims of one slot: a critical goes second, not after the backlog', async () => {
    const db = ctx.db();
    await admit(db, 'medium', names('warning', 20), T0);
    await admit(db, 'high', ['critical0'], T0 + 11_000);
    const taken: string[] = [];
    for (let k = 0; k < 4; k += 1) taken.push(...(await claim(db, 1, T0 + 12_000)));
    assert.deepEqual(taken, ['warning0', 'critical0', 'warning1', 'warning2']);
  });

  it('lets an aged warning through a flood of critical alerts within one job', async () => {
    const db = ctx.db();
    await admit(db, 'medium', ['warning0'], T0);
    await admit(db, 'high', names('critical', 20), T0 + 5_000);
    assert.deepEqual(await claim(db, 3, T0 + 9_000), ['critical0', 'critical1', 'critical2']);
    assert.deepEqual(await claim(db, 3, T0 + 11_000), ['warning0', 'critical3', 'critical4']);
  });

  it('ages a medium job only once due longer than max_wait.medium, not exactly that long', async () => {
    const db = ctx.db();
    await admit(db, 'medium', ['warning0'], T0);
    await admit(db, 'high', names('critical', 3), T0 + 5_000);
    assert.deepEqual(await claim(db, 1, T0 + MAX_WAIT.medium), ['critical0']);
    assert.deepEqual(await claim(db, 2, T0 + MAX_WAIT.medium + 1), ['warning0', 'critical1']);
  });

  it('ages a low job only once due longer than max_wait.low, not exactly that long', async () => {
    const db = ctx.db();
    await admit(db, 'low', ['info0'], T0);
    await admit(db, 'high', names('critical', 3), T0 + 5_000);
    assert.deepEqual(await claim(db, 1, T0 + MAX_WAIT.low), ['critical0']);
    assert.deepEqual(await claim(db, 2, T0 + MAX_WAIT.low + 1), ['info0', 'critical1']);
  });
});
