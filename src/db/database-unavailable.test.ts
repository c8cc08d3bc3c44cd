import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  isPostgresReachable,
  silentLogger,
  TEST_DATABASE_URL,
} from '../../test/support/databases.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { proxyToTestDatabase, type TcpProxy } from '../../test/support/tcp-proxy.js';
import type { Logger } from '../domain/clock.js';
import { isDatabaseUnavailable, logFailure } from './database-unavailable.js';
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

  it('an outage is logged once when it starts and once when it ends; failures within it at debug', async () => {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const at =
      (level: string) =>
      (fields: object, message?: string): void => {
        lines.push({ level, fields: fields as Record<string, unknown>, message: message ?? '' });
      };
    const logger: Logger = {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    };
    const clock = createFakeClock();
    const db = createPgDb(proxy.urlFor(TEST_DATABASE_URL), {
      logger,
      connectTimeoutMs: 500,
      queryTimeoutMs: 2000,
      now: () => clock.now(),
    });
    try {
      await db.query('SELECT 1');
      proxy.cut();
      for (let i = 0; i < 4; i += 1) {
        const error = await failureOf(() => db.query('SELECT 1'));
        logFailure(logger, 'error', error, { attempt: i }, 'claiming jobs failed');
        await clock.advance(1000);
      }
      await failureOf(() => db.transaction((t) => t.query('SELECT 1')));
      proxy.restore();
      await db.query('SELECT 1');
      await db.query('SELECT 1');
    } finally {
      proxy.restore();
      await db.close();
    }
    const loud = lines.filter((line) => line.level !== 'debug');
    assert.deepEqual(
      loud.map((line) => [line.level, line.message]),
      [
        ['error', 'postgres: unavailable'],
        ['info', 'postgres: available again'],
      ],
    );
    assert.match(String(loud[0]?.fields['reason']), /^postgres: query failed/);
    assert.deepEqual(loud[1]?.fields, { unavailable_ms: 4000, failed_statements: 5 });
    const failures = lines.filter((line) => line.message === 'claiming jobs failed');
    assert.equal(failures.length, 4);
    for (const failure of failures) {
      assert.equal(failure.level, 'debug');
      assert.equal(failure.fields['err'], undefined); // no stack during an outage
    }
  });

  it('logs a failure that is not an outage at its level, with the error', () => {
    const lines: [string, object][] = [];
    const logger: Logger = {
      ...silentLogger,
      error: (fields, message) => lines.push([message ?? '', fields]),
    };
    const error = new Error('syntax error at or near "nope"');
    logFailure(logger, 'error', error, { jobs: 2 }, 'committing completions failed');
    assert.deepEqual(lines, [['committing completions failed', { jobs: 2, err: error }]]);
  });
});
