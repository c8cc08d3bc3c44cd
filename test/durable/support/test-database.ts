import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import type { Db, QueryResult } from '../../../src/db/db.js';

/*
 * Until branch `dlq` lands its adapters (src/db/pg-db.ts, src/db/pglite-db.ts, migrate()) and
 * test/support/databases.ts, these tiny Db adapters and this migration applier stand in.
 */
const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations');
const ADMIN_URL =
  process.env['TEST_ADMIN_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Stand-in for migrations/0001 until it lands: the columns SPEC §6 names. */
const DLQ_STAND_IN = `CREATE TABLE IF NOT EXISTS publishing_dlq (
  id uuid PRIMARY KEY, job_id uuid NOT NULL, fingerprint text NOT NULL, target_name text NOT NULL,
  target_type text NOT NULL, enriched_alert jsonb NOT NULL, target_config jsonb NOT NULL,
  error_message text NOT NULL, error_type text NOT NULL, error_reason text NOT NULL,
  http_status integer, retry_count integer NOT NULL, last_retry_at timestamptz,
  priority text NOT NULL, failed_at timestamptz NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL, replayed boolean NOT NULL DEFAULT false,
  replayed_at timestamptz, replay_result text, replay_job_id uuid, replay_of uuid)`;

export function migrationScripts(): string[] {
  const files = readdirSync(MIGRATIONS)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort();
  const scripts = files.map((f) => readFileSync(join(MIGRATIONS, f), 'utf8'));
  if (!files.some((f) => f.startsWith('0001_'))) scripts.unshift(DLQ_STAND_IN);
  return scripts;
}

export function pgDb(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max });
  const wrap =
    (client: pg.Pool | pg.PoolClient): Db['query'] =>
    async <Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => {
      const result = await client.query(text, params === undefined ? undefined : [...params]);
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- rows come typed by the caller's SQL
      const rows: Row[] = result.rows;
      return { rows, rowCount: result.rowCount ?? 0 };
    };
  const db: Db = {
    kind: 'postgres',
    query: wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn({ ...db, query: wrap(client) });
        await client.query('COMMIT');
        return value;
      } catch (error: unknown) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return db;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database with every migration applied; drop() removes it. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `durable_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  for (const script of migrationScripts()) await client.query(script);
  await client.end();
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export interface PgliteTestDb {
  db: Db;
  pglite: PGlite;
}

export async function pgliteDb(): Promise<PgliteTestDb> {
  const pglite = new PGlite();
  for (const script of migrationScripts()) await pglite.exec(script);
  const wrap =
    (runner: Pick<PGlite, 'query'>): Db['query'] =>
    async <Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => {
      const result = await runner.query<Row>(text, params === undefined ? undefined : [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    };
  const db: Db = {
    kind: 'pglite',
    query: wrap(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn({ ...db, query: wrap(tx) })),
    close: () => pglite.close(),
  };
  return { db, pglite };
}
