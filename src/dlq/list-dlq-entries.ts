import { AppError } from '../domain/errors.js';
import type { Db } from '../db/db.js';
import type { DlqFilter, DlqPage, DlqPageRequest } from './dlq-entry.js';
import { decodeCursor, encodeCursor, whereClause } from './dlq-filter.js';
import { DLQ_COLUMNS, toEntry, type DlqRow } from './dlq-row.js';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
/** `total` is exact up to this; beyond it, the count stops and is flagged a lower bound. */
export const EXACT_TOTAL_LIMIT = 10_000;

/**
 * Newest first, ordered by (failed_at, id). Cost: the page is an index range scan of
 * offset + limit + 1 rows; `total` reads at most EXACT_TOTAL_LIMIT + 1 index entries.
 * Use `before` (keyset) rather than a large offset for deep pages.
 */
export async function listDlqEntries(db: Db, request: DlqPageRequest): Promise<DlqPage> {
  const limit = request.limit ?? DEFAULT_PAGE_LIMIT;
  const offset = request.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw invalid('limit', `must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw invalid('offset', 'must be a non-negative integer');
  }

  const query = buildListQueries(request.filter, request.before, limit, offset);
  const [page, total] = await Promise.all([
    db.query<DlqRow>(query.page.text, query.page.params),
    countCapped(db, query.count.text, query.count.params),
  ]);
  const rows = page.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  const hasMore = page.rows.length > limit;
  return {
    entries: rows.map(toEntry),
    total,
    total_is_lower_bound: total > EXACT_TOTAL_LIMIT,
    limit,
    offset,
    next_cursor:
      hasMore && last !== undefined
        ? encodeCursor({ failedAt: new Date(last.failed_at).toISOString(), id: last.id })
        : null,
  };
}

export interface SqlQuery {
  text: string;
  params: unknown[];
}

/** The page (limit + 1 rows, to know whether a next page exists) and the capped count. */
export function buildListQueries(
  filter: DlqFilter,
  before: string | undefined,
  limit: number,
  offset: number,
): { page: SqlQuery; count: SqlQuery } {
  const countParams: unknown[] = [];
  const filterSql = whereClause(filter, countParams);
  const pageParams = [...countParams];
  let pageWhere = filterSql;
  if (before !== undefined) {
    const cursor = decodeCursor(before);
    pageParams.push(cursor.failedAt, cursor.id);
    const n = pageParams.length;
    pageWhere += ` AND (failed_at, id) < ($${n - 1}::timestamptz, $${n}::uuid)`;
  }
  pageParams.push(limit + 1, offset);
  const n = pageParams.length;
  return {
    page: {
      text: `SELECT ${DLQ_COLUMNS} FROM publishing_dlq WHERE ${pageWhere}
       ORDER BY failed_at DESC, id DESC LIMIT $${n - 1} OFFSET $${n}`,
      params: pageParams,
    },
    count: {
      text: `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM publishing_dlq WHERE ${filterSql} LIMIT ${EXACT_TOTAL_LIMIT + 1}) AS capped`,
      params: countParams,
    },
  };
}

/** Runs the count of buildListQueries: matching rows, stopping after EXACT_TOTAL_LIMIT + 1. */
export async function countCapped(db: Db, text: string, params: unknown[]): Promise<number> {
  const result = await db.query<{ n: number }>(text, params);
  return result.rows[0]?.n ?? 0;
}

function invalid(path: string, message: string): AppError {
  return new AppError('invalid_request', `${path} ${message}`, { details: [{ path, message }] });
}
