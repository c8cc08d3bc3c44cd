import type { Db } from '../db/db.js';
import type { DlqFilter } from './dlq-entry.js';
import { whereClause } from './dlq-filter.js';

/**
 * Where a letter stands in submission order: coalesce(submitted_at, failed_at), submit_seq,
 * id, as text (it keeps the microseconds a JS Date would drop); `at` in UTC as
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ` whatever the session's DateStyle (replay-cursor.ts).
 */
export interface SubmissionCursor {
  at: string;
  seq: string;
  id: string;
}

/**
 * The stretch of submission order a bulk replay walks: after `after` (the last letter an earlier
 * run examined), up to and including `upTo` (the newest letter when the first run of the series
 * began: docs/api.md, "Bulk replay"). Either end may be open.
 */
export interface SubmissionRange {
  after?: SubmissionCursor;
  upTo?: SubmissionCursor;
}

export interface UnreplayedPage {
  ids: string[];
  /** Each id's cursor, in the same order. */
  positions: SubmissionCursor[];
}

const POSITION = 'coalesce(submitted_at, failed_at), submit_seq, id';
const POSITION_TEXT = `id, submit_seq::text AS seq, to_char(coalesce(submitted_at, failed_at)
  AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`;

/**
 * Up to `limit` unreplayed letters matching `filter` within `range`, in submission order
 * (docs/alert-state.md: letters of one stop share failed_at, and firing → resolved → re-firing
 * must replay as they were submitted). A range scan of publishing_dlq_unreplayed_order_idx.
 */
export async function unreplayedPage(
  db: Db,
  filter: DlqFilter,
  limit: number,
  range: SubmissionRange = {},
): Promise<UnreplayedPage> {
  const params: unknown[] = [];
  let where = whereClause({ ...filter, replayed: false }, params);
  const bound = (cursor: SubmissionCursor, op: '>' | '<='): void => {
    params.push(cursor.at, cursor.seq, cursor.id);
    const n = params.length;
    where += ` AND (${POSITION}) ${op} ($${n - 2}::timestamptz, $${n - 1}::bigint, $${n}::uuid)`;
  };
  if (range.after !== undefined) bound(range.after, '>');
  if (range.upTo !== undefined) bound(range.upTo, '<=');
  params.push(limit);
  const result = await db.query<SubmissionCursor>(
    `SELECT ${POSITION_TEXT} FROM publishing_dlq WHERE ${where}
     ORDER BY ${POSITION} LIMIT $${params.length}`,
    params,
  );
  const positions = result.rows.map(({ id, at, seq }) => ({ at, seq, id }));
  return { ids: positions.map((p) => p.id), positions };
}

/**
 * The position of the newest unreplayed letter, whatever it matches: the `upTo` a bulk replay
 * takes as it begins. One step of a backward scan of publishing_dlq_unreplayed_order_idx.
 */
export async function newestUnreplayed(db: Db): Promise<SubmissionCursor | undefined> {
  const result = await db.query<SubmissionCursor>(
    `SELECT ${POSITION_TEXT} FROM publishing_dlq WHERE replayed = false
     ORDER BY coalesce(submitted_at, failed_at) DESC, submit_seq DESC, id DESC LIMIT 1`,
  );
  const row = result.rows[0];
  return row === undefined ? undefined : { at: row.at, seq: row.seq, id: row.id };
}
