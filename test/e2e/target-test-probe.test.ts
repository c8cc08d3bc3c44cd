import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { pino } from 'pino';

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

// A target that recovered while no job waits for it: its breaker is half open, and only a
// probe closes it. The console's "Send test alert" is that probe.
for (const mode of ['memory', 'durable'] as const) {
  describe(`a target test as the breaker's probe (${mode} mode)`, async () => {
    const onServer = await isPostgresReachable();
    let server: TargetServer;
    let clock: FakeClock;
    let scratch: { url: string; drop: () => Promise<void> };
    let running: RunningApp;
    let warnings: Array<Record<string, unknown>>;

    before(async () => {
      server = await startTargetServer();
    });
    after(async () => {
      await server.close();
    });
    beforeEach(async () => {
      if (!onServer) return;
      server.requests.length = 0;
      server.setDefault({ status: 503 });
      clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
      scratch = await createScratchDatabase();
      warnings = [];
      running = await startApp({
        // The job's retry is due long after the breaker's open time: no job probes it.
        yaml: [
          `queue: { mode: ${mode} }`,
          'retry: { base: 1h, jitter: 0s }',
          'circuit_breaker: { failure_threshold: 1, success_threshold: 2, open_timeout: 10s }',
          'shutdown_timeout: 1s',
          'targets:',
          `  - { name: t, type: webhook, url: "${server.url}/hook" }`,
          '',
        ].join('\n'),
        clock,
        databaseUrl: scratch.url,
        logger: pino(
          { level: 'warn' },
          { write: (line: string) => void warnings.push(JSON.parse(line) as (typeof warnings)[0]) },
        ),
      });
    });
    afterEach(async () => {
      if (!onServer) return;
      await running.stop();
      await scratch.drop();
    });

    const metric = (series: string): Promise<string | undefined> =>
      metricValue(running.url, series);
    const breakerOf = async (): Promise<string> => {
      const res = await call(running.url, 'GET', '/api/v2/publishing/targets/t');
      return (res.body as { breaker_state: string }).breaker_state;
    };

    it(
      'closes a half-open breaker after two successful test sends',
      {
        skip: !onServer && 'needs PostgreSQL',
      },
      async () => {
        const res = await call(running.url, 'POST', '/webhook', {
          json: { version: '4', status: 'firing', alerts: [anAlert()] },
        });
        assert.equal(res.status, 202);
        await eventually('the breaker open', async () => {
          if ((await metric('circuit_breaker_state{target="t"}')) === '2') return true;
          await clock.advance(200);
          return false;
        });
        server.setDefault({ status: 200 });
        await clock.advance(10_000);
        assert.equal(await breakerOf(), 'half_open');

        for (const n of [1, 2]) {
          const test = await call(running.url, 'POST', '/api/v2/publishing/targets/t/test');
          assert.equal(test.status, 200, JSON.stringify(test.body));
          assert.equal((test.body as { ok: boolean }).ok, true);
          if (n === 1) assert.equal(await breakerOf(), 'half_open', 'one probe of two');
        }
        assert.equal(await breakerOf(), 'closed');
        assert.equal(await metric('circuit_breaker_state{target="t"}'), '0');
        assert.equal(
          await metric('circuit_breaker_transitions_total{target="t",to="closed"}'),
          '1',
        );
        const closed = warnings.filter(
          (line) => line['msg'] === 'circuit breaker changed state' && line['to'] === 'closed',
        );
        assert.equal(closed.length, 1);
      },
    );
  });
}
