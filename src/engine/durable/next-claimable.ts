import { logFailure } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../domain/clock.js';
import type { Breakers } from '../breakers.js';
import { nextDueAt } from './read-jobs.js';

/**
 * After a claim at `claimedAtMs` that took nothing: when something may become claimable. A job
 * already due then was left because it cannot be taken now (its target's breaker is open or its
 * slots are full, it waits behind its chain, or it belongs to a target of another instance): its
 * due time is no reason to claim again at once, which would poll the database in a loop for as
 * long as that lasts (an open breaker with waiting jobs used to cost about 240 statements a
 * second). Only a job falling due after that claim counts, or, when a due job was left, the end
 * of an open breaker of `targets` (its probe may take it). Undefined when nothing will (or the
 * database does not say): the claim loop then waits for a wake (an admission, a release, a
 * finished attempt) or the poll interval, and a stop need not wait (delivery-window.ts).
 */
export async function nextClaimableAt(
  deps: { db: Db; logger: Logger; breakers: Breakers },
  targets: Iterable<string>,
  claimedAtMs: number,
): Promise<number | undefined> {
  let due: number | null;
  try {
    due = await nextDueAt(deps.db);
  } catch (error: unknown) {
    logFailure(deps.logger, 'warn', error, {}, 'reading the next due time failed');
    return undefined;
  }
  if (due === null) return undefined;
  if (due > claimedAtMs) return due;
  let reopens: number | undefined;
  for (const target of targets) {
    const at = deps.breakers.of(target).reopensAt();
    if (at !== undefined && (reopens === undefined || at < reopens)) reopens = at;
  }
  return reopens;
}
