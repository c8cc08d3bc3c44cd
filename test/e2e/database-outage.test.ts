import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * The read API while PostgreSQL is cut (a proxy of the test's own in front of it): every route
 * that reads the database answers 503 `unavailable` with Retry-After, as POST /webhook does,
 * never 500 `internal`.
 */

const READS_BY_MODE = {
  memory: [
    '/api/v2/publishing/dlq',
    '/api/v2/publishing/alerts',
    '/api/v2/publishing/alerts/0123456789abcdef',
  ],
  durable: [
    '/api/v2/publishing/dlq',
    '/api/v2/publishing/queue/jobs',
    '/api/v2/publishing/alerts',
    '/api/v2/publishing/alerts/0123456789abcdef',
  ],
} as const;

for (const mode of ['memory', 'durable'] as const) {
  describe(`the read API while PostgreSQL is cut (${mode} mode)`, async () => {
    if (!(await isPostgresReachable())) {
      it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let proxy: TcpProxy;
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
    let running: RunningApp;

    before(async () => {
      proxy = await proxyToTestDatabase();
    });
    after(async () => {
      await proxy.close();
    });
    beforeEach(async () => {
      scratch = await createScratchDatabase();
      running = await startApp({
        yaml: `queue: { mode: ${mode}, admission_retry_after: 7s }\ntargets: []\n`,
        databaseUrl: proxy.urlFor(scratch.url),
      });
    });
    afterEach(async () => {
      proxy.restore();
      await running.stop();
      await scratch.drop();
    });

    for (const path of READS_BY_MODE[mode]) {
      it(`GET ${path} answers 503 unavailable with Retry-After`, async () => {
        proxy.cut();
        const res = await call(running.url, 'GET', path);
        assert.equal(res.status, 503, res.text);
        assert.equal(errorCode(res.body), 'unavailable');
        assert.equal(res.headers['retry-after'], '7');
      });
    }

    it('answers the DLQ list again once the connection is restored, and says so in /metrics', async () => {
      const available = async (): Promise<string | undefined> => {
        const text = (await call(running.url, 'GET', '/metrics')).text;
        return /^alert_publisher_database_available (\d)$/m.exec(text)?.[1];
      };
      assert.equal(await available(), '1');
      proxy.cut();
      assert.equal((await call(running.url, 'GET', '/api/v2/publishing/dlq')).status, 503);
      assert.equal(await available(), '0');
      proxy.restore();
      assert.equal((await call(running.url, 'GET', '/api/v2/publishing/dlq')).status, 200);
      assert.equal(await available(), '1');
    });
  });
}
