import { logFailure } from '../../db/database-unavailable.js';
import type { Clock, Logger } from '../../domain/clock.js';
import type { Db } from '../../db/db.js';
import type { Completion } from './finish-jobs.js';
import { finishJobs } from './finish-jobs.js';
import type { Held } from './holdings.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';

export interface Finished {
  held: Held;
  completion: Completion;
  /** False when the lease had been lost: the row was not ours to write any more. */
  written: boolean;
}

export interface CompletionQueueDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  batchSize: number;
  insertDeadLetters: DeadLetterInsert;
  /** Called once per completion after its transaction committed (or was refused). */
  onFinished: (finished: Finished[]) => void;
}

/**
 * Group commit: completions that arrive while a transaction is in flight go together in the
 * next one, so under load one commit carries many jobs and at rest a completion waits for
 * nothing. A failed commit is retried (the instance keeps its lease meanwhile; if it dies
 * first, its lease lapses and the jobs are delivered again: at least once).
 */
export function createCompletionQueue(deps: CompletionQueueDeps): {
  add(held: Held, completion: Completion): void;
  /** Resolves when everything added so far has been committed. */
  drained(): Promise<void>;
  /**
   * Stop: gives up on what is not committed yet (the jobs are released and another delivers
   * it again: at least once) and ends the retry loop. Returns how many completions were lost.
   */
  abandon(): number;
  commits(): number;
} {
  let pending: Array<{ held: Held; completion: Completion }> = [];
  let flushing: Promise<void> | undefined;
  let commitCount = 0;
  const abandoned = new AbortController();

  async function flush(): Promise<void> {
    let failures = 0;
    while (pending.length > 0 && !abandoned.signal.aborted) {
      // One owner per transaction (after a lost lease, jobs of the old owner id may still wait).
      const owner = pending[0]?.held.owner ?? '';
      const batch = pending.filter((item) => item.held.owner === owner).slice(0, deps.batchSize);
      try {
        const written = await finishJobs(
          deps.db,
          owner,
          deps.clock.now(),
          batch.map(({ completion, held }) => ({
            completion,
            attempt: held.attempt,
            counters: held.job,
          })),
          deps.insertDeadLetters,
        );
        const done = new Set(batch);
        pending = pending.filter((item) => !done.has(item));
        commitCount += 1;
        failures = 0;
        deps.onFinished(batch.map((item) => ({ ...item, written: written.has(item.held.job.id) })));
      } catch (error: unknown) {
        failures += 1;
        logFailure(
          deps.logger,
          'error',
          error,
          { jobs: batch.length },
          'committing completions failed',
        );
        await deps.clock.sleep(Math.min(100 * 2 ** failures, 5_000), abandoned.signal).then(
          () => undefined,
          () => undefined,
        );
      }
    }
  }

  function kick(): void {
    if (flushing !== undefined || pending.length === 0 || abandoned.signal.aborted) return;
    flushing = flush().finally(() => {
      flushing = undefined;
      kick();
    });
  }

  return {
    add(held, completion) {
      pending.push({ held, completion });
      kick();
    },
    async drained() {
      while (flushing !== undefined) await flushing;
    },
    abandon() {
      abandoned.abort();
      const lost = pending.length;
      pending = [];
      return lost;
    },
    commits: () => commitCount,
  };
}
