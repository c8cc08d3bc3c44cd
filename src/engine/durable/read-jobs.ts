import type { Db } from '../../db/db.js';
import { equalConditions } from '../../db/equal-conditions.js';
import type { JobFilter, JobSnapshot, Priority } from '../../domain/job.js';
import { isFinal } from '../../domain/job.js';
import type { RetryPolicy } from '../../domain/target.js';
import { withTargetWait } from '../target-wait.js';
import type { ReadRow } from './job-row.js';
import {
  ACTIVE_STATES_SQL,
  FINAL_STATES_SQL,
  READ_COLUMNS,
  newerActiveJobSql,
  snapshotFromRow,
} from './job-row.js';

const MAX_LIST = 1000;

/** A target's retry policy now; undefined for a target no longer configured. */
export type PolicyOf = (target: string) => RetryPolicy | undefined;

/** A row as the job API shows it: with its wait for a down target, if it is one. */
function shownRow(row: ReadRow, policyOf: PolicyOf): JobSnapshot {
  return withTargetWait(snapshotFromRow(row), row.is_retry_counted, policyOf(row.target_name));
}

export async function readJob(
  db: Db,
  id: string,
  policyOf: PolicyOf,
): Promise<JobSnapshot | undefined> {
  // A malformed id cannot name a job; checking here spares the uuid cast error.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const result = await db.query<ReadRow>(
    `SELECT ${READ_COLUMNS} FROM publishing_jobs WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : shownRow(row, policyOf);
}

/**
 * The partial indexes' predicates (migrations/0011): publishing_jobs_updated_idx and
 * publishing_jobs_fingerprint_idx hold final rows, publishing_jobs_chain_idx active ones. A read
 * across both kinds reads each through its index and merges them. The job list's active side
 * has no index in update order: it reads and sorts every active row (bounded by the lanes:
 * about 9 ms for the 20 000 of full default durable lanes), the price of admissions and claims
 * that do not write the list's index.
 */
const FINAL_ROWS = `state IN ${FINAL_STATES_SQL}`;
const ACTIVE_ROWS = `state IN ${ACTIVE_STATES_SQL}`;

/** Most recently updated first, like the memory store's list. */
export async function listJobRows(
  db: Db,
  filter: JobFilter,
  policyOf: PolicyOf,
): Promise<JobSnapshot[]> {
  const params: unknown[] = [];
  const conditions = equalConditions(
    [
      ['state', filter.state],
      ['priority', filter.priority],
      ['target_name', filter.target],
    ],
    params,
  );
  params.push(Math.min(Math.max(filter.limit ?? 100, 1), MAX_LIST));
  const limit = `$${params.length}`;
  const rowsOf = (kind: string): string =>
    `(SELECT ${READ_COLUMNS} FROM publishing_jobs WHERE ${[kind, ...conditions].join(' AND ')}
      ORDER BY updated_at DESC LIMIT ${limit})`;
  const kinds: string[] = [];
  if (filter.state === undefined || isFinal(filter.state)) kinds.push(rowsOf(FINAL_ROWS));
  if (filter.state === undefined || !isFinal(filter.state)) kinds.push(rowsOf(ACTIVE_ROWS));
  const result = await db.query<ReadRow>(
    `SELECT * FROM (${kinds.join(' UNION ALL ')}) AS j ORDER BY updated_at DESC LIMIT ${limit}`,
    params,
  );
  return result.rows.map((row) => shownRow(row, policyOf));
}

/** The newest `limit` jobs of an alert, oldest first. */
export async function readJobsOf(
  db: Db,
  fingerprint: string,
  limit: number,
  policyOf: PolicyOf,
): Promise<JobSnapshot[]> {
  const rowsOf = (kind: string): string =>
    `(SELECT ${READ_COLUMNS}, seq FROM publishing_jobs WHERE fingerprint = $1 AND ${kind}
      ORDER BY seq DESC LIMIT $2)`;
  const result = await db.query<ReadRow>(
    `SELECT * FROM (${rowsOf(FINAL_ROWS)} UNION ALL ${rowsOf(ACTIVE_ROWS)}) AS j
     ORDER BY seq DESC LIMIT $2`,
    [fingerprint, Math.min(Math.max(limit, 1), MAX_LIST)],
  );
  return result.rows.map((row) => shownRow(row, policyOf)).reverse();
}

/** The jobs of one lane and target (the heartbeat's count). */
export interface LaneCount {
  priority: Priority;
  target_name: string;
  queued: number;
  retrying: number;
  processing: number;
  /** Epoch ms of the oldest due waiting job, null when none is due. */
  oldestDueAt: Date | null;
  /** When the oldest of its jobs counted here was submitted. */
  oldestSubmittedAt: Date;
}

/**
 * Waiting and claimed jobs per lane and target, for status(), the queue gauges and the
 * targets API. One read of the active rows, as the count per lane alone was (a target more in
 * the grouping costs about as much: 21 ms against 20 ms for 60 000 active rows).
 */
export async function countLanes(db: Db, nowMs: number): Promise<LaneCount[]> {
  const result = await db.query<LaneCount>(
    `SELECT priority, target_name,
       count(*) FILTER (WHERE state = 'queued')::int AS queued,
       count(*) FILTER (WHERE state = 'retrying')::int AS retrying,
       count(*) FILTER (WHERE state = 'processing')::int AS processing,
       min(due_at) FILTER (WHERE state IN ('queued', 'retrying') AND due_at <= $1) AS "oldestDueAt",
       min(submitted_at) AS "oldestSubmittedAt"
     FROM publishing_jobs WHERE state IN ('queued', 'retrying', 'processing')
     GROUP BY priority, target_name`,
    [new Date(nowMs).toISOString()],
  );
  return result.rows;
}

/** Earliest due time of any waiting job, to sleep until it (null: nothing waits). */
export async function nextDueAt(db: Db): Promise<number | null> {
  const result = await db.query<{ due: Date | null }>(
    `SELECT least(${['high', 'medium', 'low']
      .map(
        (p) => `(SELECT min(due_at) FROM publishing_jobs
          WHERE state IN ('queued', 'retrying') AND priority = '${p}')`,
      )
      .join(', ')}) AS due`,
  );
  return result.rows[0]?.due?.getTime() ?? null;
}

/**
 * Per job of `ids` that a newer job of its (target, fingerprint) chain waits behind, the newest
 * such job (newerActiveJobSql): a claimed job of an older state is then superseded instead of
 * sent, and a failed attempt of one instead of retried (docs/alert-state.md). One statement.
 */
export async function newerActiveJobs(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const result = await db.query<{ id: string; newer_id: string | null }>(
    `SELECT j.id, ${newerActiveJobSql('j')} AS newer_id
     FROM publishing_jobs j WHERE j.id = ANY($1::uuid[])`,
    [ids],
    { name: 'durable_newer_active' },
  );
  const newer = new Map<string, string>();
  for (const row of result.rows) if (row.newer_id !== null) newer.set(row.id, row.newer_id);
  return newer;
}
