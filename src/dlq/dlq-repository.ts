import type { Clock, Logger } from '../domain/clock.js';
import type { SecretMask } from '../domain/secret-mask.js';
import type { DeadLetter, DeadLetterSink } from '../domain/dead-letter.js';
import type { Db } from '../db/db.js';
import { AppError } from '../domain/errors.js';
import { isStorableTimeMs } from '../domain/storable-time.js';
import type {
  DlqEntry,
  DlqFilter,
  DlqPage,
  DlqPageRequest,
  DlqStats,
  ReplayResult,
} from './dlq-entry.js';
import { DLQ_COLUMNS, isUuid, toEntry, type DlqRow } from './dlq-row.js';
import { dlqStats } from './dlq-stats.js';
import { insertDeadLettersInParallel } from './insert-dead-letters.js';
import { listDlqEntries } from './list-dlq-entries.js';
import { markSuperseded } from './mark-superseded.js';
import {
  claimReplay,
  claimReplays,
  readEntries,
  recordReplayJob,
  recordReplayJobs,
  recordReplayOutcome,
  releaseReplay,
  releaseReplays,
  releaseStaleClaims,
} from './replay-claims.js';
import {
  newestUnreplayed,
  unreplayedPage,
  type SubmissionCursor,
  type SubmissionRange,
  type UnreplayedPage,
} from './unreplayed-page.js';

export interface DlqCounts {
  unreplayed: number;
  replayed: number;
}

/** Rows deleted per purge statement: keeps each transaction (and its locks) short. */
const PURGE_BATCH_ROWS = 10_000;

/**
 * How long a replay claim without a recorded job blocks other replays of its entry. A submit
 * takes milliseconds (memory mode) or one bounded query (durable); past this the claiming
 * process is presumed dead. Generous so a slow live replay is never duplicated.
 */
export const DEFAULT_CLAIM_LEASE_MS = 10 * 60_000;

/**
 * The DLQ over the database port. Also the engine's DeadLetterSink: `write` throws when the
 * database fails, and the engine keeps the jobs `failed` and retries with backoff (no second
 * retry loop here). Times written come from the injected clock.
 */
export interface DlqRepository extends DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** `write` that reports how many rows were new (the rest were stored before). */
  insert(letters: readonly DeadLetter[]): Promise<number>;
  list(request: DlqPageRequest): Promise<DlqPage>;
  get(id: string): Promise<DlqEntry | undefined>;
  remove(id: string): Promise<boolean>;
  /** Deletes entries that failed more than `olderThanMs` ago; returns how many. */
  purge(olderThanMs: number): Promise<number>;
  stats(): Promise<DlqStats>;
  /** Exact numbers of entries waiting (unreplayed) and replayed; O(table size). */
  count(): Promise<DlqCounts>;
  /**
   * Up to `limit` ids of unreplayed entries matching `filter`, in submission order (replays
   * keep it), within `range` (keyset cursors: after the previous page, up to a run's bound).
   */
  unreplayedPage(
    filter: DlqFilter,
    limit: number,
    range?: SubmissionRange,
  ): Promise<UnreplayedPage>;
  /** Where the newest unreplayed entry stands in submission order; undefined when none. */
  newestUnreplayed(): Promise<SubmissionCursor | undefined>;
  /** Claims an unreplayed entry (or a claim older than the lease); see replay-claims.ts. */
  claimReplay(id: string): Promise<DlqEntry | undefined>;
  /** `claimedAt` is the claimed entry's replayed_at. */
  releaseReplay(id: string, claimedAt: string): Promise<boolean>;
  /** Frees claims older than the lease that recorded no job; returns how many. */
  releaseStaleClaims(): Promise<number>;
  recordReplayJob(id: string, jobId: string): Promise<boolean>;
  /**
   * A bulk replay's chunk, one statement each (replay-claims.ts): the entries of `ids`
   * that exist, in that order, without `superseded` (the replay asks the engine).
   */
  getMany(ids: readonly string[]): Promise<DlqEntry[]>;
  /** claimReplay for each of `ids`; returns the claimed entries, in the order of `ids`. */
  claimReplays(ids: readonly string[]): Promise<DlqEntry[]>;
  /** releaseReplay for each of `ids`, claimed at `claimedAt`; returns how many. */
  releaseReplays(ids: readonly string[], claimedAt: string): Promise<number>;
  /** recordReplayJob for each pair; returns how many were recorded. */
  recordReplayJobs(jobs: ReadonlyArray<{ id: string; jobId: string }>): Promise<number>;
  recordReplayOutcome(
    id: string,
    jobId: string,
    result: Exclude<ReplayResult, 'submitted'>,
  ): Promise<boolean>;
}

export function createDlqRepository(deps: {
  db: Db;
  clock: Clock;
  claimLeaseMs?: number;
  /** Told of each letter the table refused and the copy kept instead (insert-dead-letters.ts). */
  logger?: Logger;
  /**
   * The configured secrets' mask (secret-mask.ts), applied to error messages as they are
   * stored and as they are read (rows written before a secret was known are masked too).
   */
  mask?: SecretMask;
  /**
   * The targets configured now: an entry is `superseded` by a newer state of its alert
   * recorded for any of them (mark-superseded.ts). Without it, only for its own target.
   */
  targetNames?: () => readonly string[];
}): DlqRepository {
  const { db, clock } = deps;
  const mask = deps.mask ?? ((text: string) => text);
  const insertOptions = { logger: deps.logger, mask };
  const masked = (entry: DlqEntry): DlqEntry => ({
    ...entry,
    error_message: mask(entry.error_message),
    attempts: entry.attempts.map((attempt) =>
      attempt.message === undefined ? attempt : { ...attempt, message: mask(attempt.message) },
    ),
  });
  const leaseMs = deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const marked = (entries: DlqEntry[]): Promise<DlqEntry[]> =>
    markSuperseded(db, entries, deps.targetNames?.() ?? []);
  return {
    async write(letters) {
      await insertDeadLettersInParallel(db, clock, letters, insertOptions);
    },
    insert: (letters) => insertDeadLettersInParallel(db, clock, letters, insertOptions),
    async list(request) {
      const page = await listDlqEntries(db, request);
      const entries = await marked(page.entries.map(masked));
      return { ...page, entries };
    },
    async get(id) {
      if (!isUuid(id)) return undefined;
      const result = await db.query<DlqRow>(
        `SELECT ${DLQ_COLUMNS} FROM publishing_dlq WHERE id = $1`,
        [id],
      );
      const row = result.rows[0];
      if (row === undefined) return undefined;
      const [entry] = await marked([masked(toEntry(row))]);
      return entry;
    },
    async remove(id) {
      if (!isUuid(id)) return false;
      const result = await db.query('DELETE FROM publishing_dlq WHERE id = $1', [id]);
      return result.rowCount === 1;
    },
    async purge(olderThanMs) {
      const cutoffMs = clock.now() - olderThanMs;
      if (!(olderThanMs >= 0) || !isStorableTimeMs(cutoffMs)) {
        throw new AppError('invalid_request', 'older_than reaches before year 0001', {
          details: [{ path: 'older_than', message: 'too large' }],
        });
      }
      const cutoff = new Date(cutoffMs).toISOString();
      let deleted = 0;
      for (;;) {
        const result = await db.query(
          `DELETE FROM publishing_dlq WHERE id IN (
             SELECT id FROM publishing_dlq WHERE failed_at < $1::timestamptz LIMIT $2)`,
          [cutoff, PURGE_BATCH_ROWS],
        );
        deleted += result.rowCount;
        if (result.rowCount < PURGE_BATCH_ROWS) return deleted;
      }
    },
    stats: () => dlqStats(db),
    async count() {
      // Each count is an index-only scan of its partial index.
      const result = await db.query<DlqCounts>(
        `SELECT (SELECT count(*) FROM publishing_dlq WHERE replayed = false)::int AS unreplayed,
           (SELECT count(*) FROM publishing_dlq WHERE replayed)::int AS replayed`,
      );
      return result.rows[0] ?? { unreplayed: 0, replayed: 0 };
    },
    unreplayedPage: (filter, limit, range) => unreplayedPage(db, filter, limit, range),
    newestUnreplayed: () => newestUnreplayed(db),
    claimReplay: (id) =>
      isUuid(id) ? claimReplay(db, id, clock.now(), leaseMs) : Promise.resolve(undefined),
    releaseReplay: (id, claimedAt) => releaseReplay(db, id, claimedAt, clock.now()),
    releaseStaleClaims: () => releaseStaleClaims(db, clock.now(), leaseMs),
    recordReplayJob: (id, jobId) => recordReplayJob(db, id, jobId, clock.now()),
    recordReplayOutcome: (id, jobId, result) =>
      recordReplayOutcome(db, id, jobId, result, clock.now()),
    getMany: async (ids) => (await readEntries(db, ids)).map(masked),
    claimReplays: (ids) => claimReplays(db, ids, clock.now(), leaseMs),
    releaseReplays: (ids, claimedAt) => releaseReplays(db, ids, claimedAt, clock.now()),
    recordReplayJobs: (jobs) => recordReplayJobs(db, jobs, clock.now()),
  };
}
