import assert from 'node:assert/strict';
import { afterEach, before, after, beforeEach, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * A target a reload removes or disables leaves /metrics: its last success, failed attempts,
 * breaker and rate would otherwise keep AlertPublisherNoSuccessfulDelivery firing for a target
 * that is gone (docs/metrics.md, "Removed and disabled targets").
 */
function target(name: string, url: string, extra = ''): string {
  return `  - { name: ${name}, type: webhook, url: "${url}/hook", match: ['team="${name}"']${extra} }\n`;
}

function yaml(mode: string, targets: string): string {
  return `queue: { mode: ${mode} }\nretry: { base: 60s, jitter: 0s }\ncircuit_breaker: { failure_threshold: 1, open_timeout: 10m }\nshutdown_timeout: 1s\ntargets:\n${targets}`;
}

function seriesOf(text: string, name: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && line.includes(`target="${name}"`));
}

for (const mode of ['memory', 'durable'] as const) {
  describe(`per-target metrics across reloads (${mode} mode)`, async () => {
    const onServer = mode === 'durable' && (await isPostgresReachable());
    let ok: TargetServer;
    let failing: TargetServer;
    let hanging: TargetServer | undefined;
    let clock: FakeClock;
    let running: RunningApp;
    let current: string;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;

    before(async () => {
      ok = await startTargetServer();
      failing = await startTargetServer({ status: 503 });
    });
    after(async () => {
      await ok.close();
      await failing.close();
    });
    beforeEach(async () => {
      clock = createFakeClock(Date.parse('2026-12-06T12:00:00Z'));
      scratch = onServer ? await createScratchDatabase() : undefined;
      current = yaml(
        mode,
        target('a', ok.url, ', rate_limit: 5/s') +
          target('b', failing.url) +
          target('d', ok.url, ', enabled: false'),
      );
      running = await startApp({
        yaml: current,
        clock,
        reloadYaml: () => current,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    afterEach(async () => {
      await hanging?.close();
      hanging = undefined;
      await running.stop();
      await scratch?.drop();
    });

    const metricsText = async (): Promise<string> => (await fetch(`${running.url}/metrics`)).text();

    async function send(team: string): Promise<void> {
      const alerts = [anAlert({ team })];
      const body = { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
      assert.equal((await call(running.url, 'POST', '/webhook', { json: body })).status, 202);
    }

    it('removes every series of a removed target and of a disabled one; an enabled one starts at 0 again', async () => {
      assert.deepEqual(seriesOf(await metricsText(), 'd'), [], 'a disabled target has none');
      await send('a');
      await send('b');
      await eventually('a delivered, b failed with its breaker open', async () => {
        await clock.advance(200);
        const text = await metricsText();
        return (
          text.includes('alert_publisher_last_success_timestamp_seconds{target="a"}') &&
          text.includes('alert_publisher_circuit_breaker_state{target="b"} 2')
        );
      });
      const before = await metricsText();
      assert.ok(seriesOf(before, 'a').some((l) => l.startsWith('alert_publisher_target_rate')));
      assert.ok(
        seriesOf(before, 'b').some((l) => l.includes('reason="server_error"} 1')),
        seriesOf(before, 'b').join('\n'),
      );

      current = yaml(mode, target('a', ok.url, ', enabled: false') + target('c', ok.url));
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200);
      assert.deepEqual((reloaded.body as { removed: string[] }).removed.sort(), ['a', 'b']);
      await clock.advance(120_000); // past b's retry time: b's job went to the DLQ, not to b
      const after = await metricsText();
      assert.deepEqual(seriesOf(after, 'a'), [], 'the disabled a');
      assert.deepEqual(seriesOf(after, 'b'), [], 'the removed b');
      assert.ok(seriesOf(after, 'c').length > 0, 'the added c');

      current = yaml(mode, target('a', ok.url) + target('c', ok.url));
      assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
      const again = await metricsText();
      assert.ok(
        again.includes('alert_publisher_attempts_total{target="a",outcome="success",reason=""} 0'),
      );
      assert.equal(
        seriesOf(again, 'a').some((l) => l.startsWith('alert_publisher_last_success')),
        false,
      );
      // Counted again once back: its new series, not those removed with it.
      await send('a');
      await eventually('a delivered and counted again', async () => {
        await clock.advance(200);
        const text = await metricsText();
        return (
          text.includes(
            'alert_publisher_attempts_total{target="a",outcome="success",reason=""} 1',
          ) && text.includes('alert_publisher_last_success_timestamp_seconds{target="a"}')
        );
      });
    });

    it('counts nothing for an attempt to a removed target that ends after the reload', async () => {
      const stuck = await startTargetServer({ hang: true });
      hanging = stuck;
      current = yaml(mode, target('a', ok.url) + target('h', stuck.url));
      assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
      await send('h');
      await eventually('the attempt to h in flight', async () => {
        await clock.advance(200);
        return stuck.requests.length === 1;
      });

      current = yaml(mode, target('a', ok.url));
      const reloading = call(running.url, 'POST', '/-/reload');
      let done = false;
      void reloading.finally(() => {
        done = true;
      });
      await eventually('the reload applied', async () => {
        await clock.advance(200);
        return done;
      });
      assert.equal((await reloading).status, 200);
      assert.deepEqual(seriesOf(await metricsText(), 'h'), []);

      await stuck.close(); // the attempt in flight fails now (connection reset)
      hanging = undefined;
      await eventually('the attempt to h ended', async () => {
        await clock.advance(200);
        const page = await call(running.url, 'GET', '/api/v2/publishing/dlq');
        return (page.body as { total: number }).total === 1;
      });
      assert.deepEqual(seriesOf(await metricsText(), 'h'), []);
    });
  });
}
