import assert from 'node:assert/strict';
import { it } from 'node:test';

import { admitHealthy } from '../../../test/engine/durable/support/admit-jobs.js';
import { aTarget, scriptedPublisher } from '../../../test/engine/durable/support/engine-harness.js';
import { anAlert } from '../../../test/support/builders.js';
import { forEachDatabase } from '../../../test/support/databases.js';
import type { Db } from '../../db/db.js';
import { claimJobs } from './claim-jobs.js';
import { deliveredRepeats, recordDeliveredAgain } from './delivered-repeats.js';
import { registerInstance } from './leases.js';

const T0 = Date.parse('2026-12-08T02:00:00Z');
const HOUR = 3_600_000;
const RESEND = new Map([['t0', { ...aTarget('t0', scriptedPublisher()), resendAfterMs: HOUR }]]);
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

async function admit(db: Db, id: string, atMs: number): Promise<void> {
  const job = { id, target: 't0', alert: anAlert({ n: 'x' }), priority: 'high' as const };
  await admitHealthy(db, [{ ...job, resendAfterMs: HOUR }], atMs);
}

const claim = (db: Db, nowMs: number, resendTargets: string[]) =>
  claimJobs(db, {
    owner: 'i1',
    nowMs,
    limit: 10,
    slots: new Map([['t0', 10]]),
    maxWaitMs: { medium: 10_000, low: 60_000 },
    agedWentLast: new Set(),
    resendTargets,
  });

/** Unchanged re-sends at claim (docs/alert-state.md): the job before a claimed one. */
forEachDatabase('durable claim: the delivered job before a claimed one', (ctx) => {
  it('finds a re-send of the state delivered just before it, also one admitted as not waiting; only for resend_after targets', async () => {
    const db = ctx.db();
    await registerInstance(db, 'i1', T0, HOUR);
    await admit(db, A, T0);
    assert.equal((await claim(db, T0 + 10, ['t0']))[0]?.previous_id, null);
    // B is admitted while A is in flight; A's delivery commits before B's insert, so B does
    // not wait behind it (the admission's read and insert are two statements).
    await admit(db, B, T0 + 100);
    await db.query(`UPDATE publishing_jobs SET may_wait = false WHERE id = $1`, [B]);
    await db.query(
      `UPDATE publishing_jobs SET state = 'succeeded', completed_at = $2, lease_owner = NULL WHERE id = $1`,
      [A, new Date(T0 + 300).toISOString()],
    );

    const [plain] = await claim(db, T0 + 400, []);
    assert.equal(plain?.id, B);
    assert.equal(plain?.previous_id, null, 'not read for a target without resend_after');
    await db.query(
      `UPDATE publishing_jobs SET state = 'queued', attempts = 0, lease_owner = NULL WHERE id = $1`,
      [B],
    );

    const claimed = await claim(db, T0 + 400, ['t0']);
    assert.equal(claimed[0]?.previous_id, A);
    const repeats = deliveredRepeats(claimed, RESEND, T0 + 400);
    assert.deepEqual([...repeats], [[B, A]]);
    await recordDeliveredAgain(db, claimed, repeats);
    const record = await db.query<{ job_id: string }>(
      `SELECT job_id FROM publishing_alert_states WHERE target_name = 't0'`,
    );
    assert.deepEqual(
      record.rows.map((row) => row.job_id),
      [A],
    );
  });
});
