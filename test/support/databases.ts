import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import pg from 'pg';

import type { Logger } from '../../src/domain/clock.js';
import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import { createPgliteDb } from '../../src/db/pglite-db.js';

export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

let reachable: Promise<boolean> | undefined;

/** Probed once per process; says once when the PostgreSQL half is skipped. */
export function isPostgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      connectionTimeoutMillis: 2000,
    });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (error: unknown) {
      if (process.env['CI'] === 'true') {
        throw new Error(`CI=true and PostgreSQL is unreachable at ${TEST_DATABASE_URL}`, {
          cause: error,
        });
      }
      console.log(
        `PostgreSQL unreachable at ${TEST_DATABASE_URL}: database tests run on PGlite only`,
      );
      return false;
    }
  })();
  return reachable;
}

/** A fresh, randomly named database on the test server; `drop()` removes it. */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ap_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface DatabaseContext {
  kind: Db['kind'];
  /** The migrated database of this suite (valid inside tests and hooks). */
  db(): Db;
  /** Server URL of the scratch database (PostgreSQL half only). */
  url(): string | undefined;
}

/**
 * Runs `body` twice: on a fresh PostgreSQL database (created for this file, dropped after)
 * and on an in-memory PGlite, both migrated. Without a reachable server the PostgreSQL half
 * is skipped (CI=true makes that a failure instead).
 */
export function forEachDatabase(suiteName: string, body: (ctx: DatabaseContext) => void): void {
  describe(`${suiteName} [postgres]`, async () => {
    if (!(await isPostgresReachable())) {
      it('runs on PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let db: Db | undefined;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    before(async () => {
      scratch = await createScratchDatabase();
      db = createPgDb(scratch.url, { logger: silentLogger, max: 5 });
      await migrate(db, silentLogger);
    });
    after(async () => {
      await db?.close();
      await scratch?.drop();
    });
    body({ kind: 'postgres', db: () => required(db), url: () => scratch?.url });
  });

  describe(`${suiteName} [pglite]`, () => {
    let db: Db | undefined;
    before(async () => {
      db = await createPgliteDb(undefined);
      await migrate(db, silentLogger);
    });
    after(async () => {
      await db?.close();
    });
    body({ kind: 'pglite', db: () => required(db), url: () => undefined });
  });
}

function required(db: Db | undefined): Db {
  if (db === undefined) throw new Error('database not ready: use it inside a test or hook');
  return db;
}
