import type { Clock, Logger } from '../domain/clock.js';
import type { Db } from './db.js';
import { createPgDb } from './pg-db.js';
import { createPgliteDb, pgliteDirOf } from './pglite-db.js';

/**
 * The database of `storage`: PostgreSQL at `database_url`, else the embedded PGlite in its own
 * folder of `data_dir` (the DLQ journal sits beside it).
 */
export async function openDatabase(
  storage: {
    database_url: string;
    data_dir: string;
    connect_timeout: number;
    query_timeout: number;
  },
  logger: Logger,
  watch?: { clock: Clock; onAvailability: (available: boolean) => void },
): Promise<Db> {
  if (storage.database_url !== '') {
    return createPgDb(storage.database_url, {
      logger,
      ...(watch && { now: () => watch.clock.now(), onAvailability: watch.onAvailability }),
      connectTimeoutMs: storage.connect_timeout,
      queryTimeoutMs: storage.query_timeout,
    });
  }
  return createPgliteDb(pgliteDirOf(storage.data_dir));
}

/** Where the database of `storage` is, for logs and the journal's first line: no credentials. */
export function databaseName(storage: { database_url: string; data_dir: string }): string {
  if (storage.database_url === '') return `pglite:${pgliteDirOf(storage.data_dir)}`;
  try {
    const url = new URL(storage.database_url);
    return `${url.host}${url.pathname}`;
  } catch {
    // Not parseable: nothing of it is safe to show.
    return 'postgres (storage.database_url)';
  }
}
