/*
 * One alert-publisher instance in durable mode, as a child process of the durable tests and
 * bench: a durable engine on TEST_DATABASE_URL delivering to SINK_URL through TARGETS webhook
 * targets (t0, t1, …). Prints "ready" once dispatching; SIGTERM stops it gracefully and prints
 * `cpu-us N`, the CPU it used since ready. DB_STATS=1 prints time per statement on stderr;
 * NOOP=1 delivers nothing (every attempt succeeds at once).
 */
import { Registry } from 'prom-client';

import type { Db } from '../../../src/db/db.js';
import { webhookTargetSchema } from '../../../src/config/targets.js';
import type { Publisher } from '../../../src/domain/publisher.js';
import { createHttpClient } from '../../../src/publishers/http-client.js';
import { createWebhookPublisher } from '../../../src/publishers/webhook.js';
import type { Target } from '../../../src/domain/target.js';
import { createSystemClock } from '../../../src/domain/system-clock.js';
import { createDurableEngine } from '../../../src/engine/durable/durable-engine.js';
import { createPgListen } from '../../../src/engine/durable/pg-listen.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import { DEFAULT_RETRY_POLICY } from '../../../src/retry/backoff.js';
import { defaultDurableOptions } from './support/engine-harness.js';
import { createPostPublisher } from './support/post-publisher.js';
import { pgDb } from './support/scratch-database.js';
import { createSecretMask } from '../../../src/domain/secret-mask.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const url = env('TEST_DATABASE_URL');
const instance = env('INSTANCE', `pid-${process.pid}`);
const workers = Number(env('WORKERS', '16'));
const targetCount = Number(env('TARGETS', '4'));

const stats = new Map<string, { n: number; ms: number }>();
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj: object, msg?: string) => console.error(instance, msg, obj),
  error: (obj: object, msg?: string) => console.error(instance, msg, obj),
};
// NOOP=1: every attempt succeeds at once without a request (the queue's own cost, the work the
// job-queue peers are usually measured on).
// PUBLISHER=webhook: the product's webhook publisher and HTTP client (the bench); the sink then
// records no job ids, which the tests' post publisher sends as a header.
const publisher: Publisher =
  process.env['NOOP'] === '1'
    ? { publish: () => Promise.resolve({ ok: true }), close: () => Promise.resolve() }
    : process.env['PUBLISHER'] === 'webhook'
      ? webhookPublisher(env('SINK_URL'), instance, workers)
      : createPostPublisher(env('SINK_URL'), instance, workers * 2);

function webhookPublisher(url: string, name: string, connections: number): Publisher {
  const http = createHttpClient({ connections });
  const config = webhookTargetSchema.parse({
    name: 'sink',
    type: 'webhook',
    url,
    headers: { 'x-instance': name },
  });
  const inner = createWebhookPublisher(config, {
    http,
    clock: createSystemClock(),
    logger,
    mask: createSecretMask([]),
  });
  return {
    publish: (delivery, signal) => inner.publish(delivery, signal),
    close: () => http.close(),
  };
}
const targets = new Map<string, Target>();
for (let i = 0; i < targetCount; i += 1) {
  const name = `t${i}`;
  targets.set(name, {
    name,
    type: 'webhook',
    enabled: true,
    publisher,
    endpoint: name,
    timeoutMs: 5_000,
    retry: { ...DEFAULT_RETRY_POLICY, baseMs: 50, maxDelayMs: 200, jitterMs: 10 },
    redactedConfig: { name, type: 'webhook' },
  });
}
const db =
  process.env['DB_STATS'] === '1'
    ? timed(pgDb(url, Number(env('POOL', '8'))))
    : pgDb(url, Number(env('POOL', '8')));
const engine = await createDurableEngine({
  clock: createSystemClock(),
  random: Math.random,
  logger,
  metrics: createMetrics(new Registry()),
  targets,
  db,
  config: {
    ...DEFAULT_ENGINE_CONFIG,
    workers,
    perTargetConcurrency: Number(env('PER_TARGET', '8')),
    maxWaitMs: {
      medium: Number(env('MAX_WAIT_MEDIUM_MS', '10000')),
      low: Number(env('MAX_WAIT_LOW_MS', '60000')),
    },
    capacity: { high: 100_000, medium: 100_000, low: 100_000 },
  },
  durable: {
    ...defaultDurableOptions(),
    instanceId: instance,
    heartbeatMs: Number(env('HEARTBEAT_MS', '500')),
    leaseMs: Number(env('LEASE_MS', '6000')),
    pollMs: 1_000,
    completionBatch: Number(env('COMPLETION_BATCH', '500')),
    prefetchPerWorker: Number(env('PREFETCH', '1')),
  },
  listen: createPgListen(url, logger, createSystemClock()),
});
process.on('SIGTERM', () => {
  void engine.stop(5_000).then(async () => {
    const cpu = process.cpuUsage(cpuAtReady);
    console.log(`cpu-us ${cpu.user + cpu.system}`);
    if (process.env['DB_STATS'] === '1')
      for (const [k, v] of stats)
        console.error(
          instance,
          v.n,
          (v.ms / v.n).toFixed(2),
          'ms avg',
          v.ms.toFixed(0),
          'ms total',
          k,
        );
    await publisher.close();
    await db.close();
    process.exit(0);
  });
});
const cpuAtReady = process.cpuUsage();
console.log('ready');

function timed(inner: Db): Db {
  const wrap =
    (q: Db['query']): Db['query'] =>
    async (text, params, options) => {
      const t = performance.now();
      try {
        return await q(text, params, options);
      } finally {
        const key = text.trim().split('\n').slice(0, 2).join(' ').slice(0, 90);
        const s = stats.get(key) ?? { n: 0, ms: 0 };
        s.n += 1;
        s.ms += performance.now() - t;
        stats.set(key, s);
      }
    };
  return {
    ...inner,
    query: wrap(inner.query.bind(inner)),
    transaction: (fn) => inner.transaction((tx) => fn({ ...tx, query: wrap(tx.query.bind(tx)) })),
  };
}
