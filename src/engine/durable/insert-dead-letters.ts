import type { Db } from '../../db/db.js';
import type { Clock, Logger } from '../../domain/clock.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import {
  INSERT_CHUNK_ROWS,
  insertDeadLettersInTransaction,
} from '../../dlq/insert-dead-letters.js';

/**
 * Writes dead letters inside the caller's transaction (so a final failure and its letter commit
 * together); resolves to the rows inserted (a letter whose job_id is stored already is skipped).
 */
export type DeadLetterInsert = (tx: Db, letters: readonly DeadLetter[]) => Promise<number>;

/**
 * The DLQ repository's multi-row insert (idempotent on job_id), run on the caller's
 * transaction. Completion batches (≤ completionBatch) and a request's overflow stay under
 * INSERT_CHUNK_ROWS, so it is one statement on `tx` and never opens a transaction of its own;
 * a letter the table refuses is stored as a copy under a savepoint, never failing the commit.
 */
export function dlqInsertOn(clock: Clock, logger?: Logger): DeadLetterInsert {
  const options = { logger };
  return async (tx, letters) => {
    if (letters.length > INSERT_CHUNK_ROWS) {
      throw new Error(`${letters.length} dead letters exceed one statement (${INSERT_CHUNK_ROWS})`);
    }
    return insertDeadLettersInTransaction(tx, clock, letters, options);
  };
}
