import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  isPostgresReachable,
  silentLogger,
  TEST_DATABASE_URL,
} from '../../test/support/databases.js';
import { createPgDb } from './pg-db.js';

describe('pg adapter connecting', () => {
  it('says it cannot connect to a database that does not exist, naming it without password or SQL', async (t) => {
    if (!(await isPostgresReachable())) return t.skip('PostgreSQL unreachable');
    const url = new URL(TEST_DATABASE_URL);
    url.password = 's3cret';
    url.pathname = '/ap_test_missing';
    const where = `${url.hostname}:${url.port === '' ? '5432' : url.port}/ap_test_missing`;
    const expected = `postgres: cannot connect to ${where}: database "ap_test_missing" does not exist`;
    const db = createPgDb(url.toString(), { logger: silentLogger });
    try {
      await assert.rejects(db.query('SELECT grouping(a) FROM b'), { message: expected });
      await assert.rejects(
        db.transaction((tx) => tx.query('SELECT 1')),
        { message: expected },
      );
    } finally {
      await db.close();
    }
  });
});
