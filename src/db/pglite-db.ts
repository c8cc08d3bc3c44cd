import { PGlite } from '@electric-sql/pglite';

import type { Db, QueryResult } from './db.js';
import { firstLine } from './pg-db.js';

interface PgliteQueryable {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

/**
 * Embedded PostgreSQL (one process owns `dataDir`); `undefined` keeps it in memory (tests).
 * PGlite has a single connection and serialises statements, and `transaction` holds it for
 * the whole callback, so a transaction is on one connection as on a server.
 */
export async function createPgliteDb(dataDir: string | undefined): Promise<Db> {
  const pglite = await PGlite.create(dataDir);
  return {
    kind: 'pglite',
    query: (text, params) => run(pglite, text, params),
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          kind: 'pglite',
          query: (text, params) => run(tx, text, params),
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
          close: () => Promise.resolve(),
        }),
      ),
    close: () => pglite.close(),
  };
}

async function run<Row>(
  target: PgliteQueryable,
  text: string,
  params: readonly unknown[] = [],
): Promise<QueryResult<Row>> {
  try {
    const result = await target.query<Row>(text, [...params]);
    // affectedRows is 0 for a SELECT; node-postgres counts the rows returned.
    return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
  } catch (error: unknown) {
    throw new Error(`pglite: query failed: ${firstLine(text)}`, { cause: error });
  }
}
