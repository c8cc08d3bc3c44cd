import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import type { RunningApp } from '../../support/service-app.js';
import { startApp } from '../../support/service-app.js';
import { call } from '../../support/service-http.js';
import type { TargetServer } from '../../support/target-server.js';
import { startTargetServer } from '../../support/target-server.js';

/**
 * The queue gauges of durable mode are the shared database's (labelled mode="durable", so a
 * dashboard takes their max, not their sum). Durable mode dead-letters inside the transaction that finishes the job, past the DLQ
 * repository: alert_publisher_dlq_entries must still move at the commit, not at the recount
 * 60 s later (docs/metrics.md).
 */
for (const database of ['pglite', 'postgres'] as const) {
  describe(`metrics in durable mode [${database}]`, async () => {
    if (database === 'postgres' && !(await isPostgresReachable())) {
      it('runs on PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    const clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
    let refusing: TargetServer;
    let running: RunningApp;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;

    before(async () => {
      refusing = await startTargetServer({ status: 400, body: 'bad payload' });
      scratch = database === 'postgres' ? await createScratchDatabase() : undefined;
      running = await startApp({
        yaml: `queue:\n  mode: durable\n  durable: { lease: 10m }\ntargets:\n  - { name: strict, type: webhook, url: "${refusing.url}/hook" }\n`,
        clock,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    after(async () => {
      await running.stop();
      await refusing.close();
      await scratch?.drop();
    });

    async function waiting(): Promise<number> {
      const text = (await call(running.url, 'GET', '/metrics')).text;
      const line = /^alert_publisher_dlq_entries\{replayed="false"\} (\d+)$/m.exec(text);
      return Number(line?.[1]);
    }

    it('labels the queue gauges mode="durable"', async () => {
      const text = (await call(running.url, 'GET', '/metrics')).text;
      assert.match(
        text,
        /^alert_publisher_queue_jobs\{priority="high",state="queued",mode="durable"\} 0$/m,
      );
      assert.match(text, /^alert_publisher_queue_capacity\{priority="low",mode="durable"\} \d+$/m);
      assert.match(
        text,
        /^alert_publisher_oldest_due_job_age_seconds\{priority="medium",mode="durable"\} 0$/m,
      );
    });

    it('counts the letters of failed jobs when their transaction commits', async () => {
      const startedAt = clock.now();
      assert.equal(await waiting(), 0);
      const alerts = [anAlert({ n: '1' }), anAlert({ n: '2' }), anAlert({ n: '3' })];
      const sent = await call(running.url, 'POST', '/webhook', {
        json: { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts },
      });
      assert.equal(sent.status, 202);
      await eventually('three letters stored', async () => {
        const stats = await call(running.url, 'GET', '/api/v2/publishing/dlq/stats');
        if ((stats.body as { total: number }).total === 3) return true;
        await clock.advance(100);
        return false;
      });
      assert.ok(clock.now() - startedAt < 60_000, 'no recount is due yet');
      assert.equal(await waiting(), 3);
    });
  });
}
