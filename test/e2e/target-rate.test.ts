import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, metricValue } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * The rate in force as the targets API and target_rate_per_second show it (docs/api.md): the
 * configured rate_limit until a 429, then the AIMD rate, rounded to 4 significant digits.
 */
function yaml(mode: string, url: string): string {
  return [
    `queue: { mode: ${mode} }`,
    'retry: { base: 1s, jitter: 0s }',
    'targets:',
    `  - { name: paced, type: webhook, url: "${url}/hook", match: ['team="paced"'], rate_limit: 5/s }`,
    `  - { name: slow, type: webhook, url: "${url}/hook", match: ['team="slow"'], rate_limit: 1/m }`,
    `  - { name: free, type: webhook, url: "${url}/hook", match: ['team="free"'] }`,
    '',
  ].join('\n');
}

for (const mode of ['memory', 'durable'] as const) {
  describe(`the current rate of a target (${mode} mode)`, async () => {
    const onServer = mode === 'durable' && (await isPostgresReachable());
    let server: TargetServer;
    let clock: FakeClock;
    let running: RunningApp;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;

    before(async () => {
      server = await startTargetServer();
    });
    after(() => server.close());
    beforeEach(async () => {
      server.requests.length = 0;
      clock = createFakeClock(Date.parse('2026-12-06T12:00:00Z'));
      scratch = onServer ? await createScratchDatabase() : undefined;
      running = await startApp({
        yaml: yaml(mode, server.url),
        clock,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    afterEach(async () => {
      await running.stop();
      await scratch?.drop();
    });

    async function rates(): Promise<Record<string, unknown>> {
      const res = await call(running.url, 'GET', '/api/v2/publishing/targets');
      const { targets } = res.body as {
        targets: Array<{ name: string; current_rate_per_second: unknown }>;
      };
      return Object.fromEntries(targets.map((t) => [t.name, t.current_rate_per_second]));
    }

    async function deliver(n: number): Promise<void> {
      const alerts = [anAlert({ team: 'paced', n: String(n) })];
      const body = { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
      assert.equal((await call(running.url, 'POST', '/webhook', { json: body })).status, 202);
    }

    it('shows the configured rate before any 429 (1/m to 4 significant digits), null without a rate_limit', async () => {
      assert.deepEqual(await rates(), { paced: 5, slow: 0.01667, free: null });
      assert.equal(
        await metricValue(running.url, 'target_rate_per_second{target="slow"}'),
        '0.01667',
      );
      assert.equal(
        await metricValue(running.url, 'target_rate_per_second{target="free"}'),
        undefined,
      );
    });

    it('shows the rate throttled after a 429 without float noise', async () => {
      // The 429 halves the rate the target was sent at (1/s here) to 0.5; each of the three
      // successes after it adds 0.1, under the knee: 0.7999999999999999 unrounded.
      server.respond({ status: 429 });
      for (const [index, requests] of [2, 3, 4].entries()) {
        await deliver(index);
        await eventually(`${requests} requests`, async () => {
          if (server.requests.length >= requests) return true;
          await clock.advance(200);
          return false;
        });
      }
      await eventually('the third success counted', async () => (await rates())['paced'] === 0.8);
      assert.equal(await metricValue(running.url, 'target_rate_per_second{target="paced"}'), '0.8');
    });
  });
}
