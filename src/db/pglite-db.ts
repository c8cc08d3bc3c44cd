import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

import { PGlite } from '@electric-sql/pglite';

import type { Db, QueryResult } from './db.js';
import { lockDirectory } from './directory-lock.js';
import { firstLine } from './pg-db.js';

interface PgliteQueryable {
  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[]; affectedRows?: number }>;
}

/** Where the embedded database lives inside `storage.data_dir` (the DLQ journal sits beside it). */
export function pgliteDirOf(dataDir: string): string {
  return join(dataDir, 'pglite');
}

/**
 * PostgreSQL settings of the embedded database (docs/operations.md, "Memory of the embedded
 * database"). PGlite runs PostgreSQL in one WebAssembly heap that grows and never shrinks, so
 * every buffer PostgreSQL touches stays in the process's RSS: the stock 128 MB of
 * shared_buffers alone cost about 130 MiB. The DLQ's hot rows are the newest ones, and the
 * operating system's page cache still holds the data files.
 */
export const PGLITE_SETTINGS = [
  'shared_buffers=16MB',
  'temp_buffers=2MB',
  'work_mem=2MB',
  'maintenance_work_mem=16MB',
  'max_connections=10',
] as const;

const settingArgs = PGLITE_SETTINGS.flatMap((setting) => ['-c', setting]);

function pgliteOptions(): { startParams: string[]; initDbStartParams: string[] } {
  return {
    startParams: [...PGlite.defaultStartParams, ...settingArgs],
    // Written into postgresql.conf too, so the data directory says what it runs with.
    initDbStartParams: settingArgs,
  };
}

/**
 * PGlite's PostgreSQL is a 9 MB WebAssembly module. V8 compiles it with its baseline compiler
 * (Liftoff), then recompiles the functions that run often with its optimising one (TurboFan)
 * on background threads: on Node.js 24 that briefly takes 400–600 MiB more (the service
 * peaked at 650–800 MiB), on Node.js 20 the optimised code stays as 60 MiB more (bench
 * `footprint`, docs/operations.md). Baseline code only costs a heavy scan about 1.5x the time.
 * All three flags are needed: set at run time, --liftoff-only alone still tiers up on 24.
 * They are process-wide and cover WebAssembly compiled after them, such as undici's HTTP
 * parser on the first outbound connection, whose share of a delivery's cost is small.
 */
function compileWebAssemblyWithBaselineOnly(): void {
  setFlagsFromString('--liftoff-only --no-wasm-dynamic-tiering --no-wasm-tier-up');
}

/** Opens (or, in this process, initialises) the embedded database; `undefined` = in memory. */
export function openPglite(dataDir: string | undefined): Promise<PGlite> {
  compileWebAssemblyWithBaselineOnly();
  return PGlite.create(dataDir, pgliteOptions());
}

/**
 * Embedded PostgreSQL; `undefined` keeps it in memory (tests). One process at a time owns
 * `dataDir`: it holds the directory's lock (directory-lock.ts) from before the database is
 * created or opened until `close`, and a second process is refused, naming the holder.
 * PGlite has a single connection and serialises statements, and `transaction` holds it for
 * the whole callback, so a transaction is on one connection as on a server.
 */
export async function createPgliteDb(dataDir: string | undefined): Promise<Db> {
  if (dataDir === undefined)
    return pgliteDbOf(await openPglite(undefined), () => Promise.resolve());
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`pglite: cannot create the directory ${dataDir}: ${reason}`, { cause: error });
  }
  const lock = await lockDirectory(dataDir);
  let pglite: PGlite;
  try {
    await initialiseInChildProcess(dataDir);
    pglite = await openPglite(dataDir);
  } catch (error: unknown) {
    // The open's failure is the one to report; a failed release only keeps the lock until exit.
    await lock.release().catch(() => undefined);
    throw error;
  }
  return pgliteDbOf(pglite, () => lock.release());
}

/**
 * `release` runs once PGlite has closed: no other process may open the directory before. A
 * close that fails keeps the lock until this process exits.
 */
function pgliteDbOf(pglite: PGlite, release: () => Promise<void>): Db {
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
    close: async () => {
      await pglite.close();
      await release();
    },
  };
}

/**
 * PGlite's initdb runs a second PostgreSQL instance beside the first and copies its heap:
 * about 650 MiB for 3 s that the process keeps for good once the WebAssembly memory has grown.
 * A fresh data directory is therefore created by a short-lived child process, and this process
 * only ever opens an existing one. PGlite, like PostgreSQL, takes PG_VERSION as "initialised".
 */
async function initialiseInChildProcess(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const self = fileURLToPath(import.meta.url);
  const entry = join(self, '..', `pglite-initdb${extname(self)}`);
  // Run from source (`npm start`, tests) the child needs tsx too; built, it is plain JS.
  const execArgv = extname(self) === '.ts' ? ['--import', import.meta.resolve('tsx')] : [];
  const child = fork(entry, [dataDir], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `pglite: creating the database in ${dataDir} failed (exit ${String(code)}): ${stderr.trim()}`,
    );
  }
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
