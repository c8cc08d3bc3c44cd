import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { call, startServer } from '../../../test/support/service-http.js';

describe('HTTP API over a real socket', () => {
  let running: RunningServer;
  let url: string;

  before(async () => {
    running = await startServer(createFakeDeps());
    url = running.url;
  });
  after(async () => running.close());

  describe('targets', () => {
    it('lists targets with masked config and breaker state', async () => {
      const res = await call(url, 'GET', '/api/v2/publishing/targets');
      assert.equal(res.status, 200);
      const hook = (res.body as { targets: Record<string, unknown>[] }).targets[0];
      assert.equal(hook?.['breaker_state'], 'closed');
      assert.deepEqual(hook?.['config'], {
        url: 'http://127.0.0.1:9/hook',
        headers: { authorization: '[redacted]' },
      });
    });

    it('answers 404 for an unknown target and tests a known one', async () => {
      assert.equal((await call(url, 'GET', '/api/v2/publishing/targets/nope')).status, 404);
      assert.equal((await call(url, 'POST', '/api/v2/publishing/targets/nope/test')).status, 404);
      const res = await call(url, 'POST', '/api/v2/publishing/targets/hook/test');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        target: 'hook',
        ok: true,
        http_status: 200,
        latency_ms: 3,
        message: 'delivered',
      });
    });
  });
});
