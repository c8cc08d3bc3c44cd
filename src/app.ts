import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Logger as PinoLogger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';

import { secretMaskOf } from './config/config-secrets.js';
import { resolveRetryPolicy } from './config/retry-policy.js';
import type { Config } from './config/schema.js';
import type { Db } from './db/db.js';
import { readDatabaseId } from './db/database-id.js';
import { migrate } from './db/migrate.js';
import { databaseName, openDatabase } from './db/open-database.js';
import type { Clock, Random } from './domain/clock.js';
import type { DeadLetterSink } from './domain/dead-letter.js';
import { createSystemClock } from './domain/system-clock.js';
import type { Target } from './domain/target.js';
import { createDlqRepository } from './dlq/dlq-repository.js';
import { meterDlqRepository } from './dlq/metered-dlq-repository.js';
import { importJournal } from './dlq/import-journal.js';
import { createJournal } from './dlq/journal.js';
import { replayShutdownEntries } from './dlq/replay-shutdown-entries.js';
import { createRetentionTask } from './dlq/retention-task.js';
import { trackReplayOutcomes } from './dlq/track-replay-outcomes.js';
import type { DurableOptions } from './engine/durable/durable-config.js';
import { createDurableEngine } from './engine/durable/durable-engine.js';
import { dlqInsertOn } from './engine/durable/insert-dead-letters.js';
import { createPgListen } from './engine/durable/pg-listen.js';
import { createDlqOperations } from './dlq/dlq-operations.js';
import { createAlertStateStore } from './history/alert-states-repository.js';
import type { Ingest } from './http/ports.js';
import type { HttpServer } from './http/server.js';
import { createServer } from './http/server.js';
import { loadStaticAssets } from './http/static-assets.js';
import { createTargetCatalog } from './http/target-catalog.js';
import { parseWebhookPayload } from './ingest/alertmanager-payload.js';
import { createRouter } from './ingest/route.js';
import { parseSubmitRequest } from './ingest/submit-request.js';
import { createAttemptHistory } from './metrics/attempt-history.js';
import { createMetrics } from './metrics/metrics.js';
import type { ProxySettings } from './domain/proxy-settings.js';
import type { HttpClient } from './publishers/http-client.js';
import { createHttpClient } from './publishers/http-client.js';
import { createTarget } from './publishers/registry.js';
import { createDbRootlyAlertIds } from './publishers/rootly-alert-ids.js';
import type { EngineConfig } from './engine/engine-config.js';
import { createPublishingEngine } from './engine/memory/memory-engine.js';
import type { PublishingEngine } from './engine/publishing-engine.js';
import { createJobStatusStore } from './tracking/job-status-store.js';

/**
 * The composition root: the only place that builds real pools, clients, the registry and the
 * clock. Tests pass a fake clock, their own registry or HTTP client through AppOptions.
 */
export interface AppOptions {
  config: Config;
  logger: PinoLogger;
  version: string;
  clock?: Clock;
  random?: Random;
  registry?: Registry;
  http?: HttpClient;
  /** Outbound proxy, read from the environment at the process edge; default none. */
  proxy?: ProxySettings;
  /** Default true; tests that need no process metrics turn it off. */
  processMetrics?: boolean;
  /** The built console (`npm run build`); default dist/ui of this package. */
  consoleDir?: string;
}

/** dist/ui beside src/ and dist/: this module is src/app.ts or dist/app.js. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../dist/ui/', import.meta.url));

export interface App {
  readonly engine: PublishingEngine;
  readonly server: HttpServer;
  readonly registry: Registry;
  readonly db: Db;
  /** Listens on config.server (or the given port): resolves with the base URL. */
  listen(port?: number): Promise<string>;
  /** Stop admitting → drain the engine → stop retention → close server, publishers, database. */
  stop(): Promise<void>;
}

export function engineConfigOf(config: Config): EngineConfig {
  return {
    workers: config.queue.workers,
    capacity: { ...config.queue.capacity },
    maxWaitMs: { ...config.queue.max_wait },
    perTargetConcurrency: config.queue.per_target_concurrency,
    perTargetShare: config.queue.per_target_share,
    breaker: {
      failureThreshold: config.circuit_breaker.failure_threshold,
      successThreshold: config.circuit_breaker.success_threshold,
      openTimeoutMs: config.circuit_breaker.open_timeout,
    },
    deadLetterBatchSize: config.dlq.write_batch,
    deadLetterRetry: {
      baseMs: config.dlq.write_retry.base,
      maxDelayMs: config.dlq.write_retry.max_delay,
    },
    admissionRetryAfterMs: config.queue.admission_retry_after,
    stopFlushMs: config.shutdown_flush_timeout,
  };
}

/** `queue.durable` in milliseconds; a lease of 0 is derived from the targets' timeouts. */
export function durableOptionsOf(config: Config): DurableOptions {
  const durable = config.queue.durable;
  const options: DurableOptions = {
    heartbeatMs: durable.heartbeat,
    pollMs: durable.poll_interval,
    prefetchPerWorker: durable.prefetch_per_worker,
    completionBatch: durable.completion_batch,
    retentionMs: durable.retention,
    purgeIntervalMs: durable.purge_interval,
    purgeBatch: durable.purge_batch,
  };
  if (durable.lease > 0) options.leaseMs = durable.lease;
  return options;
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger, version } = options;
  const clock = options.clock ?? createSystemClock();
  const random = options.random ?? Math.random;
  const registry = options.registry ?? new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);
  metrics.buildInfo.set({ version }, 1);

  const db = await openDatabase(config.storage, logger);
  await migrate(db, logger);
  const mask = secretMaskOf(config);
  const repo = meterDlqRepository(createDlqRepository({ db, clock, logger, mask }), {
    metrics,
    clock,
    logger,
  });
  const journal = createJournal(config.storage.data_dir, {
    databaseId: await readDatabaseId(db),
    databaseName: databaseName(config.storage),
    mask,
  });
  await importJournal(journal, repo, logger);

  const http = options.http ?? createHttpClient(options.proxy ? { proxy: options.proxy } : {});
  const targets = new Map<string, Target>();
  for (const targetConfig of config.targets) {
    targets.set(
      targetConfig.name,
      createTarget(targetConfig, resolveRetryPolicy(config.retry, targetConfig.retry), {
        http,
        clock,
        logger,
        rootlyAlertIds: createDbRootlyAlertIds(db),
        mask,
      }),
    );
  }
  if (targets.size === 0) {
    logger.warn({}, 'no targets configured: alerts will be counted as unrouted and dropped');
  }

  const sink: DeadLetterSink = repo;
  const alertStates = createAlertStateStore(db);
  const engine =
    config.queue.mode === 'durable'
      ? await createDurableEngine({
          clock,
          random,
          logger,
          metrics,
          targets,
          db,
          config: engineConfigOf(config),
          durable: durableOptionsOf(config),
          // PGlite belongs to this process: every wake-up (submit, completion, reaped lease)
          // is local, so only a server needs LISTEN.
          ...(db.kind === 'postgres'
            ? { listen: createPgListen(config.storage.database_url, logger) }
            : {}),
          insertDeadLetters: dlqInsertOn(clock, logger),
        })
      : createPublishingEngine({
          clock,
          random,
          logger,
          metrics,
          targets,
          deadLetters: sink,
          fallback: journal,
          statusStore: createJobStatusStore({ capacity: config.tracking.capacity }),
          config: engineConfigOf(config),
          alertStates,
          initialAlertStates: await alertStates.recent(config.tracking.capacity),
          alertStateCapacity: config.tracking.capacity,
        });
  const replayOutcomes = trackReplayOutcomes(engine, repo, logger);
  const retention = createRetentionTask({
    clock,
    repo,
    alertStates,
    logger,
    retentionMs: config.dlq.retention,
    intervalMs: config.dlq.purge_interval,
  });
  retention.start();
  const replayDeps = { repo, engine, targets };
  const replayed = await replayShutdownEntries(replayDeps, logger);
  if (replayed > 0) logger.info({ replayed }, 'replayed dead letters left by the last stop');

  const history = createAttemptHistory({ metrics, clock, logger });
  const consoleDir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  const consoleAssets = await loadStaticAssets(consoleDir);
  if (consoleAssets === undefined) {
    logger.warn({ dir: consoleDir }, 'console not built: /ui/ answers 503 (run npm run build)');
  }

  const routable = config.targets.map((t) => ({
    name: t.name,
    enabled: t.enabled,
    match: t.match,
  }));
  const router = createRouter(routable);
  const receivedAt = (): string => new Date(clock.now()).toISOString();
  const ingest: Ingest = {
    parseWebhook: (body) => parseWebhookPayload(body, receivedAt()),
    parseSubmit: (body) => parseSubmitRequest(body, receivedAt()),
    route: (alerts, routeOptions) => router.route(alerts, routeOptions),
  };
  const server = createServer(
    {
      engine,
      laneMaxWaitMs: { ...config.queue.max_wait },
      history,
      ...(consoleAssets === undefined ? {} : { consoleAssets }),
      dlq: createDlqOperations(repo, replayDeps),
      targets: createTargetCatalog(targets, engine, { clock, newId: randomUUID }, (name) =>
        history.activity(name),
      ),
      ingest,
      metrics: { alertsReceived: (result, count) => metrics.alertsReceived.inc({ result }, count) },
      readiness: {
        mode: config.queue.mode,
        databaseReachable: () => pingDatabase(db),
      },
      registry,
      auth: {
        apiToken: config.auth.api_token,
        readToken: config.auth.read_token,
        webhookToken: config.auth.webhook_token,
      },
      bodyLimitBytes: config.server.body_limit,
      connections: {
        maxConnections: config.server.max_connections,
        requestTimeoutMs: config.server.request_timeout,
        headersTimeoutMs: config.server.headers_timeout,
        keepAliveTimeoutMs: config.server.keep_alive_timeout,
        idleTimeoutMs: config.server.idle_timeout,
      },
      admissionRetryAfterMs: config.queue.admission_retry_after,
      version,
    },
    logger,
  );

  history.start();
  let stopping: Promise<void> | undefined;
  return {
    engine,
    server,
    registry,
    db,
    listen: (port) => server.listen(config.server.host, port ?? config.server.port),
    stop() {
      stopping ??= (async () => {
        server.drain();
        await engine.stop(config.shutdown_timeout);
        await retention.stop();
        await history.stop();
        await replayOutcomes.idle();
        await server.close();
        await Promise.all([...targets.values()].map((target) => target.publisher.close()));
        if (options.http === undefined) await http.close();
        await db.close();
      })();
      return stopping;
    },
  };
}

/** A trivial query bounded to 2 s, so /readyz answers even when the database hangs. */
async function pingDatabase(db: Db): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2_000);
    timer.unref();
  });
  const ping = db.query('SELECT 1').then(
    () => true,
    () => false,
  );
  return Promise.race([ping, timeout]);
}
