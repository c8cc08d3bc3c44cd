import type { Clock, Logger } from '../domain/clock.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { SecretMask } from '../domain/secret-mask.js';
import type { Db } from '../db/db.js';
import type { DlqRecord } from './dlq-record.js';
import { toRecord } from './dlq-record.js';
import { sanitisedCopy, textCopy } from './refused-row-copies.js';

/**
 * Rows per statement. The batch travels as one JSON parameter, so the 65 535-parameter limit
 * never applies and the client serialises each row once (an array parameter per column cost
 * ~3x more in node-postgres' array escaping); the chunk only bounds one statement's size
 * (~1 KiB per letter). The parameter is read as jsonb, parsed once: with json_to_recordset
 * the server lexed it twice (json input, then the record walk) and parsed each alert a third
 * time into its jsonb column, ~15 µs of CPU per row more (bench/scenarios/dlq-write-profile.ts).
 * COPY through a temporary table was no faster.
 */
export const INSERT_CHUNK_ROWS = 2000;

const INSERT = `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type,
  enriched_alert, target_config, error_message, error_type, error_reason, http_status,
  retry_count, last_retry_at, priority, failed_at, replay_of, submitted_at, submit_seq, attempts,
  possibly_delivered, created_at, updated_at)
SELECT r.*, $2::timestamptz, $2::timestamptz
FROM jsonb_to_recordset($1::jsonb) AS r(job_id uuid, fingerprint text, target_name text,
  target_type text, enriched_alert jsonb, target_config jsonb, error_message text,
  error_type text, error_reason text, http_status int, retry_count int,
  last_retry_at timestamptz, priority text, failed_at timestamptz, replay_of uuid,
  submitted_at timestamptz, submit_seq bigint, attempts jsonb, possibly_delivered boolean)
ON CONFLICT (job_id) DO NOTHING`;

export interface InsertOptions {
  /** Told about each refused letter and the copy kept of it. */
  logger?: Logger;
  /** Applied to each error message before it is stored (default: none). */
  mask?: SecretMask;
}

/**
 * Stores dead letters, `INSERT_CHUNK_ROWS` per statement, all chunks in one transaction.
 * Idempotent on job_id: a write retried after a commit it never saw acknowledged inserts
 * nothing twice. Returns the number of rows actually inserted. A letter the table refuses
 * (a value outside a CHECK, a bad UUID or time) never blocks the others: see `insertChunk`.
 * Throws when the database fails for any other reason (unreachable, timeout), so the caller
 * retries. Invariant: failed_at has millisecond precision (the list cursor relies on it).
 */
export async function insertDeadLetters(
  db: Db,
  clock: Clock,
  letters: readonly DeadLetter[],
  options: InsertOptions = {},
): Promise<number> {
  if (letters.length === 0) return 0;
  // One statement is atomic by itself: no BEGIN/COMMIT round trips for the usual small write.
  if (letters.length <= INSERT_CHUNK_ROWS) {
    return insertChunk(statementOn(db, false), clock, letters, options);
  }
  return db.transaction((tx) => insertDeadLettersInTransaction(tx, clock, letters, options));
}

/**
 * `insertDeadLetters` inside the caller's open transaction (durable mode: a final failure and
 * its letter commit together). Each statement runs under a savepoint, so a refused letter
 * rolls back only its own statement and the transaction goes on.
 */
export async function insertDeadLettersInTransaction(
  tx: Db,
  clock: Clock,
  letters: readonly DeadLetter[],
  options: InsertOptions = {},
): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < letters.length; start += INSERT_CHUNK_ROWS) {
    const chunk = letters.slice(start, start + INSERT_CHUNK_ROWS);
    inserted += await insertChunk(statementOn(tx, true), clock, chunk, options);
  }
  return inserted;
}

/** Below this many rows per statement, splitting a write costs more round trips than it saves. */
export const MIN_PARALLEL_CHUNK_ROWS = 250;
/** Statements in flight at once for one write (the pool is shared with everything else). */
export const MAX_PARALLEL_STATEMENTS = 4;

/**
 * The repository's write on a server: a write of more than MIN_PARALLEL_CHUNK_ROWS is split
 * into up to MAX_PARALLEL_STATEMENTS statements run at once on separate pool connections, so
 * the server parses and indexes them on several cores (one backend spends ~45-60 µs of CPU
 * per row, ~40% of it in ten index inserts: ~20 000 rows/s per idle core at best). No
 * transaction spans them: if one fails the write throws, the caller retries it all, and
 * rows already committed are skipped (ON CONFLICT (job_id) DO NOTHING). PGlite has one
 * connection: one statement per chunk, in a transaction.
 */
export async function insertDeadLettersInParallel(
  db: Db,
  clock: Clock,
  letters: readonly DeadLetter[],
  options: InsertOptions = {},
): Promise<number> {
  if (db.kind === 'pglite' || letters.length <= MIN_PARALLEL_CHUNK_ROWS) {
    return insertDeadLetters(db, clock, letters, options);
  }
  const size = Math.min(
    INSERT_CHUNK_ROWS,
    Math.max(MIN_PARALLEL_CHUNK_ROWS, Math.ceil(letters.length / MAX_PARALLEL_STATEMENTS)),
  );
  const chunks: Array<readonly DeadLetter[]> = [];
  for (let start = 0; start < letters.length; start += size) {
    chunks.push(letters.slice(start, start + size));
  }
  let next = 0;
  let inserted = 0;
  const worker = async (): Promise<void> => {
    for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
      // Not `inserted += await …`: that reads `inserted` before the await and loses updates.
      const rows = await insertDeadLetters(db, clock, chunk, options);
      inserted += rows;
    }
  };
  const workers = Array.from({ length: Math.min(MAX_PARALLEL_STATEMENTS, chunks.length) }, worker);
  // allSettled: every statement has finished (none still running) before the write reports.
  const results = await Promise.allSettled(workers);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return inserted;
}

/** Runs the INSERT on one JSON array of rows; under a savepoint inside a transaction. */
type Statement = (rowsJson: string, nowIso: string) => Promise<number>;

function statementOn(db: Db, inTransaction: boolean): Statement {
  const run = async (rowsJson: string, nowIso: string): Promise<number> =>
    (await db.query(INSERT, [rowsJson, nowIso])).rowCount;
  if (!inTransaction) return run;
  return async (rowsJson, nowIso) => {
    await db.query('SAVEPOINT dlq_insert');
    try {
      const inserted = await run(rowsJson, nowIso);
      await db.query('RELEASE SAVEPOINT dlq_insert');
      return inserted;
    } catch (error: unknown) {
      // Any other failure aborts the caller's transaction, which rolls back as a whole.
      if (isRefusal(error)) await db.query('ROLLBACK TO SAVEPOINT dlq_insert');
      throw error;
    }
  };
}

interface Row {
  letter: DeadLetter;
  json: string;
}

const UNWRITABLE = 'the letter cannot be written as JSON';

/**
 * One statement for the chunk. When the database refuses a value (SQLSTATE classes 22 data
 * exception, 23 constraint violation, 54 limit exceeded), the chunk is split in halves until
 * the refused letters are alone (2·log2(n) extra statements per refused letter), and each of
 * those is stored as a sanitised copy, or failing that as text (refused-row-copies.ts). Only a
 * refusal of the text copy itself, or any other failure, is thrown.
 */
async function insertChunk(
  statement: Statement,
  clock: Clock,
  letters: readonly DeadLetter[],
  options: InsertOptions,
): Promise<number> {
  const nowIso = new Date(clock.now()).toISOString();
  const rows: Row[] = [];
  const unwritable: DeadLetter[] = [];
  for (const letter of inSubmissionOrder(letters)) {
    const json = jsonOf(letter, options.mask);
    if (json === undefined) unwritable.push(letter);
    else rows.push({ letter, json });
  }
  let inserted = await insertIsolating(statement, nowIso, rows, options);
  for (const letter of unwritable) {
    inserted += await storeCopy(statement, nowIso, letter, UNWRITABLE, options);
  }
  return inserted;
}

async function insertIsolating(
  statement: Statement,
  nowIso: string,
  rows: readonly Row[],
  options: InsertOptions,
): Promise<number> {
  if (rows.length === 0) return 0;
  try {
    return await statement(`[${rows.map((row) => row.json).join(',')}]`, nowIso);
  } catch (error: unknown) {
    if (!isRefusal(error)) throw error;
    const [only] = rows;
    if (rows.length === 1 && only !== undefined) {
      return storeCopy(statement, nowIso, only.letter, reasonOf(error), options);
    }
    const half = Math.ceil(rows.length / 2);
    return (
      (await insertIsolating(statement, nowIso, rows.slice(0, half), options)) +
      (await insertIsolating(statement, nowIso, rows.slice(half), options))
    );
  }
}

async function storeCopy(
  statement: Statement,
  nowIso: string,
  letter: DeadLetter,
  refusal: string,
  options: InsertOptions,
): Promise<number> {
  let reason = refusal;
  const record = recordOf(letter, options.mask);
  if (record !== undefined) {
    const copy = sanitisedCopy(record, reason, nowIso);
    try {
      const inserted = await statement(JSON.stringify([copy]), nowIso);
      options.logger?.warn(
        { job_id: letter.jobId, stored_job_id: copy.job_id, reason },
        'dead letter refused by the database: stored as a sanitised copy',
      );
      return inserted;
    } catch (error: unknown) {
      if (!isRefusal(error)) throw error;
      reason = `${reason}; then ${reasonOf(error)}`;
    }
  }
  const copy = textCopy(letter, reason, nowIso);
  const inserted = await statement(JSON.stringify([copy]), nowIso);
  options.logger?.error(
    { job_id: letter.jobId, stored_job_id: copy.job_id, reason },
    'dead letter refused by the database: stored as text',
  );
  return inserted;
}

function recordOf(letter: DeadLetter, mask: SecretMask | undefined): DlqRecord | undefined {
  try {
    return toRecord(letter, mask);
  } catch (error: unknown) {
    if (error instanceof RangeError) return undefined; // nested too deep to walk
    throw error;
  }
}

function jsonOf(letter: DeadLetter, mask: SecretMask | undefined): string | undefined {
  const record = recordOf(letter, mask);
  if (record === undefined) return undefined;
  try {
    return JSON.stringify(record);
  } catch (error: unknown) {
    if (error instanceof RangeError) return undefined; // nested too deep for JSON.stringify
    throw error;
  }
}

/** Letters in the order their jobs were submitted (replays follow it: docs/alert-state.md). */
function inSubmissionOrder(letters: readonly DeadLetter[]): readonly DeadLetter[] {
  return [...letters].sort((a, b) => a.submittedAt - b.submittedAt || a.submitSeq - b.submitSeq);
}

/** The SQLSTATE of a database error, through the adapters' wrapping causes. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    const code: unknown = Reflect.get(e, 'code');
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = e.cause;
  }
  return undefined;
}

const REFUSAL_CLASSES = new Set(['22', '23', '54']);

/** The database refused a value (the row's fault), as opposed to failing (the database's). */
function isRefusal(error: unknown): boolean {
  return REFUSAL_CLASSES.has(sqlStateOf(error)?.slice(0, 2) ?? '');
}

/** `22P02 invalid input syntax for type uuid: "x"`: the database's own words. */
function reasonOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth += 1) {
    const code: unknown = Reflect.get(e, 'code');
    if (typeof code === 'string' && sqlStateOf(e) === code) return `${code} ${e.message}`;
    e = e.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
