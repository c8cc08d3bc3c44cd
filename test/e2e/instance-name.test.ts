import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';

import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';

/**
 * The queue status names the instance that answered (docs/api.md), so that an operator behind
 * a load balancer can tell the instances' figures apart: in durable mode the id its lease is
 * held under, the same as in publishing_instances.
 */
for (const mode of ['memory', 'durable'] as const) {
  describe(`the instance that answered (${mode} mode)`, async () => {
    const onServer = mode === 'durable' && (await isPostgresReachable());
    let running: RunningApp;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;

    before(async () => {
      scratch = onServer ? await createScratchDatabase() : undefined;
      running = await startApp({
        yaml: `queue: { mode: ${mode} }\ntargets: []\n`,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    after(async () => {
      await running.stop();
      await scratch?.drop();
    });

    it('is named by host, process id and a random suffix in the queue status', async () => {
      const res = await call(running.url, 'GET', '/api/v2/publishing/queue/status');
      assert.equal(res.status, 200);
      const { instance } = res.body as { instance: string };
      const prefix = `${hostname()}:${process.pid}:`;
      assert.ok(instance.startsWith(prefix), instance);
      assert.match(instance.slice(prefix.length), /^[0-9a-f]{8}$/);
    });

    if (mode === 'durable') {
      it('is the id its lease is held under', async () => {
        const res = await call(running.url, 'GET', '/api/v2/publishing/queue/status');
        const { instance } = res.body as { instance: string };
        const rows = await running.app.db.query<{ id: string }>(
          'SELECT id FROM publishing_instances',
        );
        assert.deepEqual(
          rows.rows.map((row) => row.id),
          [instance],
        );
      });
    }
  });
}
