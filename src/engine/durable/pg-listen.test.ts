import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Logger } from '../../domain/clock.js';
import { createSystemClock } from '../../domain/system-clock.js';
import { createFakeClock } from '../../../test/support/fake-clock.js';
import { createPgDb } from '../../db/pg-db.js';
import {
  isPostgresReachable,
  silentLogger,
  TEST_DATABASE_URL,
} from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { proxyToTestDatabase, type TcpProxy } from '../../../test/support/tcp-proxy.js';
import { createPgListen } from './pg-listen.js';

describe('the LISTEN connection after a blip', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let proxy: TcpProxy;
  const direct = createPgDb(TEST_DATABASE_URL, { logger: silentLogger });
  before(async () => {
    proxy = await proxyToTestDatabase();
  });
  after(async () => {
    await direct.close();
    await proxy.close();
  });

  it('is re-established with backoff, logged once lost and once back, and hears NOTIFY again', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      info: (_fields, message) => lines.push(`info ${message}`),
      warn: (_fields, message) => lines.push(`warn ${message}`),
    };
    const channel = `listen_blip_${process.pid}`;
    let wakes = 0;
    const listen = createPgListen(proxy.urlFor(TEST_DATABASE_URL), logger, createSystemClock(), {
      baseDelayMs: 20,
      maxDelayMs: 100,
    });
    const stop = await listen(channel, () => (wakes += 1));
    try {
      await direct.query(`NOTIFY ${channel}`);
      await eventually('the first NOTIFY', () => wakes >= 1);

      proxy.cut();
      await eventually('the loss logged', () => lines.length >= 1);
      proxy.restore();
      await eventually('the recovery logged', () => lines.length >= 2);
      assert.deepEqual(lines, [
        'warn LISTEN connection lost; polling until it is re-established',
        'info LISTEN connection re-established',
      ]);

      const before = wakes;
      await direct.query(`NOTIFY ${channel}`);
      await eventually('a NOTIFY after the blip', () => wakes > before);
    } finally {
      await stop();
    }
  });

  it('keeps one connection through an outage of many failed reconnects, and none after stop', async () => {
    const lines: string[] = [];
    let failedReconnects = 0;
    const logger: Logger = {
      ...silentLogger,
      info: (_fields, message) => lines.push(`info ${message}`),
      warn: (_fields, message) => lines.push(`warn ${message}`),
      debug: (_fields, message) => {
        if (message === 'LISTEN reconnect failed; retrying') failedReconnects += 1;
      },
    };
    const channel = `listen_outage_${process.pid}`;
    const listeners = async (): Promise<number> => {
      const { rows } = await direct.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1`,
        [`LISTEN "${channel}"`],
      );
      return rows[0]?.n ?? 0;
    };
    const clock = createFakeClock();
    const listen = createPgListen(proxy.urlFor(TEST_DATABASE_URL), logger, clock, {
      baseDelayMs: 10,
      maxDelayMs: 10,
    });
    const stop = await listen(channel, () => undefined);
    try {
      proxy.cut();
      await eventually('the loss logged', () => lines.length === 1);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        await clock.advance(10);
        await eventually(`failed reconnect ${attempt}`, () => failedReconnects >= attempt);
      }
      proxy.restore();
      await clock.advance(10);
      await eventually('the recovery logged', () => lines.length >= 2);
      // Each failed attempt used to start one more reconnect loop: those stayed asleep on the
      // clock, each to open a connection of its own. One loop, now done, leaves none.
      await eventually('no reconnect loop left asleep', () => clock.pending() === 0);
      assert.equal(await listeners(), 1);
      assert.deepEqual(lines, [
        'warn LISTEN connection lost; polling until it is re-established',
        'info LISTEN connection re-established',
      ]);
    } finally {
      await stop();
    }
    await eventually('no LISTEN connection after stop', async () => (await listeners()) === 0);
  });

  it('gives up a reconnect to a server that never answers, so the loop goes on and stop returns', async () => {
    let failedReconnects = 0;
    const logger: Logger = {
      ...silentLogger,
      debug: (_fields, message) => {
        if (message === 'LISTEN reconnect failed; retrying') failedReconnects += 1;
      },
    };
    const listen = createPgListen(proxy.urlFor(TEST_DATABASE_URL), logger, createSystemClock(), {
      baseDelayMs: 5,
      maxDelayMs: 5,
      connectTimeoutMs: 100,
    });
    const stop = await listen(`listen_hang_${process.pid}`, () => undefined);
    try {
      proxy.cut(); // the connection ends…
      proxy.hang(); // …and new ones are accepted, never answered
      // An unbounded connect never failed: the loop, and stop() with it, waited forever.
      await eventually('two reconnects given up', () => failedReconnects >= 2);
    } finally {
      proxy.restore();
      await stop();
    }
  });
});
