import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as pace } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock, stopMovingClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';

/**
 * Adaptive throttling end to end (docs/how-it-works.md, Rate limits): a target that answers
 * 429 to every request beyond 5 in the last second of virtual time, and no `rate_limit`
 * configured. The service must deliver every alert, with no dead letter, at a rate near the
 * target's, and stop hammering it: most attempts are accepted.
 */
const LIMIT_PER_SECOND = 5;
const ALERTS = 60;

interface QuotaTarget {
  url: string;
  /** Virtual times of the accepted requests, and the alert of each. */
  accepted: Array<{ at: number; n: string }>;
  refused: number;
  close(): Promise<void>;
}

async function startQuotaTarget(clock: FakeClock): Promise<QuotaTarget> {
  const accepted: QuotaTarget['accepted'] = [];
  const target = { accepted, refused: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = clock.now();
      const lastSecond = accepted.filter((a) => now - a.at < 1_000).length;
      if (lastSecond >= LIMIT_PER_SECOND) {
        target.refused += 1;
        res.writeHead(429).end('slow down');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        alert: { labels: Record<string, string> };
      };
      accepted.push({ at: now, n: body.alert.labels['n'] ?? '' });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * Waits until the target has seen no request for a few real milliseconds, so that virtual
 * time moves on only once the attempts due now have been made (the measured rate is then
 * the service's, not the test machine's load).
 */
async function quiet(target: QuotaTarget): Promise<void> {
  const seen = (): number => target.accepted.length + target.refused;
  let last = -1;
  for (let still = 0; still < 2;) {
    const now = seen();
    still = now === last ? still + 1 : 0;
    last = now;
    await pace(5);
  }
}

for (const mode of ['memory', 'durable'] as const) {
  describe(`a target answering 429 above ${LIMIT_PER_SECOND} requests a second (${mode} mode)`, async () => {
    const onServer = await isPostgresReachable();
    let clock: FakeClock;
    let target: QuotaTarget;
    let running: RunningApp;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;

    before(async () => {
      clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
      target = await startQuotaTarget(clock);
      scratch = mode === 'durable' && onServer ? await createScratchDatabase() : undefined;
      // Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
      running = await startApp({
        yaml: `queue: { mode: ${mode}, per_target_concurrency: 4, durable: { lease: 10m } }
retry: { base: 1s, jitter: 0s, max_retries: 3 }
targets:
  - { name: quota, type: webhook, url: "${target.url}" }
`,
        clock,
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    after(async () => {
      await stopMovingClock(clock, running.stop());
      await target.close();
      await scratch?.drop();
    });

    it('settles near that rate and delivers every alert once, with no dead letter', async () => {
      const alerts = Array.from({ length: ALERTS }, (_, i) =>
        anAlert({ alertname: 'Quota', n: String(i) }),
      );
      const posted = await call(running.url, 'POST', '/webhook', {
        json: { version: '4', status: 'firing', receiver: 'ap', groupKey: '{}:{}', alerts },
      });
      assert.equal(posted.status, 202);
      const started = clock.now();
      await eventually(
        'every alert accepted by the target',
        async () => {
          if (target.accepted.length >= ALERTS) return true;
          await clock.advance(25);
          await quiet(target);
          return false;
        },
        120_000,
      );

      const delivered = new Set(target.accepted.map((a) => a.n));
      assert.equal(delivered.size, ALERTS, 'every alert delivered');
      assert.equal(target.accepted.length, ALERTS, 'none delivered twice');
      const dlq = await call(running.url, 'GET', '/api/v2/publishing/dlq');
      assert.equal((dlq.body as { total: number }).total, 0, 'no dead letter');

      // Near the target's rate: at least half of it over the whole run (the first second
      // takes its burst of 5), while the target itself never lets more than 5 a second pass.
      const seconds = (clock.now() - started) / 1_000;
      const rate = ALERTS / seconds;
      assert.ok(
        rate >= LIMIT_PER_SECOND / 2,
        `delivered at ${rate.toFixed(2)}/s over ${seconds} s: throttled far below the target's rate`,
      );
      // Throttled, not hammering: a retry loop without it is refused on most attempts.
      const attempts = target.accepted.length + target.refused;
      assert.ok(
        target.refused <= attempts / 3,
        `${target.refused} of ${attempts} attempts answered 429: the service did not slow down`,
      );

      const targets = await call(running.url, 'GET', '/api/v2/publishing/targets');
      const quota = (
        targets.body as { targets: Array<{ name: string; current_rate_per_second: unknown }> }
      ).targets.find((t) => t.name === 'quota');
      assert.equal(
        typeof quota?.current_rate_per_second,
        'number',
        'the throttled rate in force is shown by the targets API',
      );
    });
  });
}
