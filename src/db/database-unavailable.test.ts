import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  isPostgresReachable,
  silentLogger,
  TEST_DATABASE_URL,
} from '../../test/support/databases.js';
import { proxyToTestDatabase, type TcpProxy } from '../../test/support/tcp-proxy.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { createPgDb } from './pg-db.js';

async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error: unknown) {
    return error;
  }
  assert.fail('expected a failure');
}

describe('which PostgreSQL failures are an outage', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let proxy: TcpProxy;
  before(async () => {
    proxy = await proxyToTestDatabase();
  });
  after(() => proxy.close());

  const through = (queryTimeoutMs = 5000) =>
    createPgDb(proxy.urlFor(TEST_DATABASE_URL), {
      logger: silentLogger,
      connectTimeoutMs: 500,
      queryTimeoutMs,
    });

  it('a statement the server rejects is a bug, not an outage', async () => {
    const db = through();
    try {
      assert.equal(isDatabaseUnavailable(await failureOf(() => db.query('SELECT nope'))), false);
      const tx = () => db.transaction((t) => t.query('SELECT 1/0'));
      assert.equal(isDatabaseUnavailable(await failureOf(tx)), false);
    } finally {
      await db.close();
    }
  });

  it('a statement_timeout is an outage', async () => {
    const db = through();
    try {
      const slow = () =>
        db.transaction(async (t) => {
          await t.query("SET LOCAL statement_timeout = '50ms'");
          return t.query('SELECT pg_sleep(5)');
        });
      assert.equal(isDatabaseUnavailable(await failureOf(slow)), true);
    } finally {
      await db.close();
    }
  });

  it('a refused, terminated or hung connection is an outage', async () => {
    const db = through(500);
    try {
      await db.query('SELECT 1');
      proxy.cut();
      assert.equal(isDatabaseUnavailable(await failureOf(() => db.query('SELECT 1'))), true);
      const tx = () => db.transaction((t) => t.query('SELECT 1'));
      assert.equal(isDatabaseUnavailable(await failureOf(tx)), true);
      proxy.restore();
      await db.query('SELECT 1');
      proxy.hang();
      assert.equal(isDatabaseUnavailable(await failureOf(() => db.query('SELECT 1'))), true);
    } finally {
      proxy.restore();
      await db.close();
    }
  });
});
