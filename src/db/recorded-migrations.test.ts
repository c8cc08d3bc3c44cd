import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { createPgDb } from './pg-db.js';
import { createPgliteDb } from './pglite-db.js';

/** A migrations folder of one build: file name → SQL. */
async function release(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'release-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

async function recorded(db: Db): Promise<string[]> {
  const result = await db.query<{ name: string }>(
    'SELECT name FROM alert_publisher_migrations ORDER BY version',
  );
  return result.rows.map((row) => row.name);
}

async function hasTable(db: Db, name: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM pg_tables WHERE tablename = $1', [name]);
  return result.rows.length > 0;
}

const BASE = { '0001_a.sql': 'CREATE TABLE a (x int);' };

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`migrations recorded by another build [${kind}]`, () => {
    /** A fresh empty database of this kind for `body`, closed (and dropped) after. */
    async function withDatabase(
      t: { skip(message: string): void },
      body: (db: Db) => Promise<void>,
    ): Promise<void> {
      if (kind === 'pglite') {
        const db = await createPgliteDb(undefined);
        try {
          return await body(db);
        } finally {
          await db.close();
        }
      }
      if (!(await isPostgresReachable())) return t.skip('PostgreSQL unreachable');
      const scratch = await createScratchDatabase();
      const db = createPgDb(scratch.url, { logger: silentLogger });
      try {
        await body(db);
      } finally {
        await db.close();
        await scratch.drop();
      }
    }

    it('refuses a migration number recorded under another name, naming both, before applying anything', (t) =>
      withDatabase(t, async (db) => {
        const branch = await release({
          ...BASE,
          '0002_branch.sql': 'CREATE TABLE branch (x int);',
        });
        await migrate(db, silentLogger, { dir: branch });
        const current = await release({
          ...BASE,
          '0002_b.sql': 'CREATE TABLE b (x int);',
          '0003_c.sql': 'CREATE TABLE c (x int);',
        });
        await assert.rejects(migrate(db, silentLogger, { dir: current }), {
          message:
            'database records migration 0002 as 0002_branch.sql, this release has 0002_b.sql: the database was created by a different build; restore a backup or migrate it with that build',
        });
        assert.deepEqual(await recorded(db), ['0001_a.sql', '0002_branch.sql']);
        assert.equal(await hasTable(db, 'c'), false);
      }));

    it('runs on a database migrated by a newer release and names the migrations it does not know', (t) =>
      withDatabase(t, async (db) => {
        const newer = await release({
          ...BASE,
          '0002_b.sql': 'CREATE TABLE b (x int);',
          '0003_c.sql': 'CREATE TABLE c (x int);',
        });
        await migrate(db, silentLogger, { dir: newer });
        const older = await release({ ...BASE, '0002_b.sql': 'CREATE TABLE b (x int);' });
        assert.deepEqual(await migrate(db, silentLogger, { dir: older }), {
          applied: [],
          newer: ['0003_c.sql'],
        });
        assert.deepEqual((await migrate(db, silentLogger, { dir: newer })).newer, []);
      }));
  });
}
