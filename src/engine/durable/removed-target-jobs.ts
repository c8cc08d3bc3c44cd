import { failureFields } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../domain/clock.js';
import type { Target } from '../../domain/target.js';
import { targetRemovedError } from '../job-errors.js';
import type { DeadRow } from './dead-letter-waiting-jobs.js';
import { deadLetterWaitingJobs } from './dead-letter-waiting-jobs.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';

export interface RemovedTargetJobsDeps {
  db: Db;
  logger: Logger;
  insertDeadLetters: DeadLetterInsert;
  /** Rows dead-lettered per statement. */
  batchSize: number;
  onDead: (rows: readonly DeadRow[], nowMs: number) => void;
}

/**
 * The waiting jobs of targets a reload removed, still to become `target_removed` letters. A
 * target stays pending until one pass has dead-lettered all of its jobs submitted up to its
 * removal; a database failure leaves it pending for the next pass (maintenance retries every
 * heartbeat), so a reload never depends on the database answering and no job is left waiting
 * for a target that is gone. Passes run one at a time.
 */
export interface RemovedTargetJobs {
  /** Names of the targets still pending, sorted. */
  pending(): string[];
  /** Targets removed at `nowMs`: their jobs submitted up to then are to be dead-lettered. */
  add(targets: readonly Target[], nowMs: number): void;
  /** A target configured again: its jobs wait for it again. */
  keep(name: string): void;
  /**
   * The reload's pass: what it dead-lettered and the targets left pending. A database failure
   * is logged here, once per reload.
   */
  atReload(nowMs: number): Promise<{ deadLettered: number; deferred: string[] }>;
  /** Maintenance's pass over what a reload left pending; throws when the database fails. */
  retry(nowMs: number): Promise<void>;
}

export function createRemovedTargetJobs(deps: RemovedTargetJobsDeps): RemovedTargetJobs {
  const pending = new Map<string, { target: Target; removedAtMs: number }>();
  let last: Promise<unknown> = Promise.resolve();

  /** Adds each batch's count to `done` as it commits. */
  async function pass(nowMs: number, done: { count: number }): Promise<void> {
    for (;;) {
      const entries = [...pending.values()];
      const rows = await deadLetterWaitingJobs(
        deps.db,
        entries.map(({ target, removedAtMs }) => ({
          target,
          submittedBefore: removedAtMs + 1,
          error: targetRemovedError(target.name),
        })),
        nowMs,
        deps.batchSize,
        deps.insertDeadLetters,
      );
      deps.onDead(rows, nowMs);
      done.count += rows.length;
      if (rows.length < deps.batchSize) {
        // Only the entries selected: a target configured or removed again meanwhile has left
        // or replaced its entry.
        for (const entry of entries) {
          if (pending.get(entry.target.name) === entry) pending.delete(entry.target.name);
        }
        return;
      }
    }
  }

  function oneAtATime(nowMs: number, done: { count: number }): Promise<void> {
    const run = last.then(
      () => pass(nowMs, done),
      () => pass(nowMs, done),
    );
    last = run.catch(() => undefined);
    return run;
  }

  return {
    pending: () => [...pending.keys()].sort(),
    add(targets, nowMs) {
      for (const target of targets) pending.set(target.name, { target, removedAtMs: nowMs });
    },
    keep(name) {
      pending.delete(name);
    },
    async atReload(nowMs) {
      const done = { count: 0 };
      if (pending.size > 0) {
        try {
          await oneAtATime(nowMs, done);
        } catch (error: unknown) {
          deps.logger.warn(
            { targets: [...pending.keys()].sort(), ...failureFields(error) },
            'config reload: dead-lettering the waiting jobs of removed targets deferred until the database answers',
          );
        }
      }
      return { deadLettered: done.count, deferred: [...pending.keys()].sort() };
    },
    async retry(nowMs) {
      const targets = [...pending.keys()].sort();
      if (targets.length === 0) return;
      const done = { count: 0 };
      await oneAtATime(nowMs, done);
      deps.logger.info(
        { targets, jobs: done.count },
        'dead-lettered the waiting jobs of removed targets (deferred at a reload)',
      );
    },
  };
}
