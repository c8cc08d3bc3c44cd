import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import type { Db, QueryResult } from '../db/db.js';
import { createDbRootlyAlertIds, createMemoryRootlyAlertIds } from './rootly-alert-ids.js';
import type { RootlyAlertIds } from './rootly-alert-ids.js';

/**
 * The same behaviour against PostgreSQL (a fresh database for this file), PGlite and the
 * in-memory fake. The two tiny Db adapters below stand in until the shared ones
 * (src/db/, test/support/databases.ts on branch `dlq`) land on main.
 */
const MIGRATION = new URL('../../migrations/0002_rootly_alerts.sql', import.meta.url);

function pgDb(pool: pg.Pool): Db {
  return {
    kind: 'postgres',
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await pool.query(text, [...params]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
    transaction: () => Promise.reject(new Error('not needed here')),
    close: () => pool.end(),
  };
}

function pgliteDb(lite: PGlite): Db {
  return {
    kind: 'pglite',
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await lite.query<Row>(text, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    transaction: () => Promise.reject(new Error('not needed here')),
    close: () => lite.close(),
  };
}

interface Backend {
  name: string;
  open(): Promise<{ ids: RootlyAlertIds; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    open: () =>
      Promise.resolve({ ids: createMemoryRootlyAlertIds(), close: () => Promise.resolve() }),
  },
  {
    name: 'PGlite',
    async open() {
      const db = pgliteDb(new PGlite());
      await db.query(await readFile(MIGRATION, 'utf8'));
      return { ids: createDbRootlyAlertIds(db), close: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
      await admin.connect();
      const database = `rootly_ids_${randomUUID().replace(/-/g, '')}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const db = pgDb(new pg.Pool({ host: '127.0.0.1', user: 'postgres', database }));
      await db.query(await readFile(MIGRATION, 'utf8'));
      return {
        ids: createDbRootlyAlertIds(db),
        async close() {
          await db.close();
          await admin.query(`DROP DATABASE ${database}`);
          await admin.end();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`RootlyAlertIds on ${backend.name}`, () => {
    let ids: RootlyAlertIds;
    let opened: Awaited<ReturnType<Backend['open']>> | undefined;
    before(async () => {
      opened = await backend.open();
      ids = opened.ids;
    });
    after(() => opened?.close());

    it('returns nothing for an unknown fingerprint', async () => {
      assert.equal(await ids.get('incidents', 'aaaa000000000000'), undefined);
    });

    it('stores, replaces and deletes an id per (target, fingerprint)', async () => {
      await ids.set('incidents', 'bbbb000000000000', 'r-1');
      await ids.set('other', 'bbbb000000000000', 'r-2');
      assert.equal(await ids.get('incidents', 'bbbb000000000000'), 'r-1');
      assert.equal(await ids.get('other', 'bbbb000000000000'), 'r-2');
      await ids.set('incidents', 'bbbb000000000000', 'r-3');
      assert.equal(await ids.get('incidents', 'bbbb000000000000'), 'r-3');
      await ids.delete('incidents', 'bbbb000000000000');
      assert.equal(await ids.get('incidents', 'bbbb000000000000'), undefined);
      assert.equal(await ids.get('other', 'bbbb000000000000'), 'r-2');
    });

    it('deleting what is not there is not an error', async () => {
      await ids.delete('incidents', 'cccc000000000000');
    });
  });
}
