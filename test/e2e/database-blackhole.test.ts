import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * Durable mode with PostgreSQL blackholed (the proxy keeps every connection open and forwards
 * nothing): POST /webhook answers 503 within storage.query_timeout / connect_timeout. It hung
 * for two query timeouts (the statement, then a ROLLBACK on the hung connection), past the
 * server's idle_timeout, which closed the connection with no answer: idle_timeout is set
 * between one and two query timeouts here to catch that.
 */
describe('POST /webhook while PostgreSQL is blackholed (durable mode)', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let proxy: TcpProxy;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let running: RunningApp;

  before(async () => {
    proxy = await proxyToTestDatabase();
    scratch = await createScratchDatabase();
    running = await startApp({
      yaml: `server: { idle_timeout: 3500ms }
queue: { mode: durable }
targets:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook" }
`,
      databaseUrl: proxy.urlFor(scratch.url),
      storage: { connect_timeout: '2s', query_timeout: '2s' },
    });
  });
  after(async () => {
    proxy.restore();
    await running.stop();
    await scratch.drop();
    await proxy.close();
  });

  it(
    'answers 503 unavailable to the first and later requests, none left without an answer',
    { timeout: 60_000 },
    async () => {
      proxy.hang();
      const payload = {
        version: '4',
        groupKey: '{}:{}',
        status: 'firing',
        receiver: 'ap',
        alerts: [anAlert({ alertname: 'Blackholed' })],
      };
      for (let i = 0; i < 3; i += 1) {
        const res = await call(running.url, 'POST', '/webhook', { json: payload });
        assert.equal(res.status, 503, res.text);
        assert.equal(errorCode(res.body), 'unavailable');
        assert.ok(res.headers['retry-after'] !== undefined);
      }
    },
  );
});
