import { logFailure } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../domain/clock.js';

/**
 * Whether an instance other than `owner` is live (docs/how-it-works.md "Stopping"): it has a row
 * in publishing_instances whose lease has not lapsed at `nowMs`, the same rule by which the
 * sweep keeps a row (leases.ts). A live instance renews its row every heartbeat and deletes it
 * when it has stopped; a crashed one counts until its lease lapses. A stopping instance that
 * finds one hands its work over to it instead of claiming for the rest of its window. One
 * primary-key-ordered scan of a table of one row per instance.
 */
export async function isAnotherInstanceLive(
  db: Db,
  owner: string,
  nowMs: number,
): Promise<boolean> {
  const result = await db.query<{ live: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM publishing_instances WHERE id <> $1 AND lease_expires_at >= $2
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
  deps.logger.info({}, 'stopping: another instance is live, claiming no more jobs');
  return true;
}
