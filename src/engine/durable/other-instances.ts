import { logFailure } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Clock, Logger } from '../../domain/clock.js';
import { settlesWithin } from '../clock-wait.js';
import type { InstanceLease } from './instance-lease.js';

/**
 * Whether an instance other than `owner` is live and not stopping (docs/how-it-works.md
 * "Stopping"): it has a row in publishing_instances whose lease has not lapsed at `nowMs`, the
 * same rule by which the sweep keeps a row (leases.ts), and no `stopping_since`
 * (migrations/0014). A live instance renews its row every heartbeat and deletes it when it has
 * stopped; a crashed one counts until its lease lapses. A stopping instance that finds one
 * hands its work over to it instead of claiming for the rest of its window. A scan of a table
 * of one row per instance.
 */
async function isAnotherInstanceLive(db: Db, owner: string, nowMs: number): Promise<boolean> {
  const result = await db.query<{ live: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM publishing_instances
       WHERE id <> $1 AND lease_expires_at >= $2 AND stopping_since IS NULL
     ) AS live`,
    [owner, new Date(nowMs).toISOString()],
  );
  return result.rows[0]?.live === true;
}

/**
 * At stop, before a claim: true when another instance is live to take the rest. When the
 * database does not answer, false: the instance goes on as if alone (its claims fail the same way).
 */
export async function handsOver(
  deps: { db: Db; logger: Logger },
  owner: string,
  nowMs: number,
): Promise<boolean> {
  try {
    if (!(await isAnotherInstanceLive(deps.db, owner, nowMs))) return false;
  } catch (error: unknown) {
    logFailure(deps.logger, 'warn', error, {}, 'reading the live instances failed');
    return false;
  }
  deps.logger.info(
    {},
    'stopping: another instance is live and not stopping, claiming no more jobs',
  );
  return true;
}

/**
 * At stop, before the first look at the others: the row says this instance is stopping, so
 * that instances stopping together each deliver what falls due, as a lone one does. Settles
 * within `waitMs` whatever the database does (a failure is logged: the others may then hand
 * their work to this instance, and it waits in the database for the next start).
 */
export function markStopping(
  deps: { clock: Clock; logger: Logger },
  lease: InstanceLease,
  waitMs: number,
): Promise<unknown> {
  const marked = lease.markStopping(deps.clock.now()).catch((error: unknown) => {
    logFailure(deps.logger, 'warn', error, {}, 'marking the instance stopping failed');
  });
  return settlesWithin(deps.clock, waitMs, marked);
}
