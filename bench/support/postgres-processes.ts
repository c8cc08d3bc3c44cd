/**
 * The PostgreSQL server's processes as groups for `watchProcesses`: the backends connected to
 * one database (its clients' sessions and its autovacuum workers), and the server's background
 * processes (WAL writer, checkpointer, background writer, autovacuum launcher), which serve
 * every database on the server: other sessions' work there counts too.
 * `db` looks them up; connected to the database watched, its own backend counts too.
 */
import type { Db } from '../../src/db/db.js';
import type { ProcessGroup } from './process-usage.js';

export function postgresBackends(db: Db, database: string): ProcessGroup {
  return {
    label: 'PostgreSQL backends',
    pids: () => pidsWhere(db, 'datname = $1', [database]),
    memory: 'private',
  };
}

export function postgresBackground(db: Db): ProcessGroup {
  return {
    label: 'PostgreSQL background',
    pids: () => pidsWhere(db, 'datname IS NULL', []),
    memory: 'private',
  };
}

async function pidsWhere(db: Db, condition: string, params: readonly string[]): Promise<number[]> {
  const result = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE ${condition}`,
    params,
  );
  return result.rows.map((row) => row.pid);
}

/** A database's name from its URL. */
export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
