import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Logger as PinoLogger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';

import { secretMasksOf, secretsOfConfig } from './config/config-secrets.js';
import type { Config } from './config/schema.js';
import type { Db } from './db/db.js';
import { readDatabaseId } from './db/database-id.js';
import { migrate } from './db/migrate.js';
import { databaseName, openDatabase } from './db/open-database.js';
import { newerDatabaseWarning } from './db/recorded-migrations.js';
import type { Clock, Random } from './domain/clock.js';
import type { DeadLetterSink } from './domain/dead-letter.js';
import type { SecretMasks } from './domain/secret-mask.js';
import { createSystemClock } from './domain/system-clock.js';
import { createDlqRepository } from './dlq/dlq-repository.js';
import { meterDlqRepository } from './dlq/metered-dlq-repository.js';
import { importJournal } from './dlq/import-journal.js';
import { createJournal } from './dlq/journal.js';
import { replayShutdownEntries } from './dlq/replay-shutdown-entries.js';
import { createRetentionTask } from './dlq/retention-task.js';
import { trackReplayOutcomes } from './dlq/track-replay-outcomes.js';
import { createDurableEngine } from './engine/durable/durable-engine.js';
import { dlqInsertOn } from './engine/durable/insert-dead-letters.js';
import { createPgListen } from './engine/durable/pg-listen.js';
import { createDlqOperations } from './dlq/dlq-operations.js';
import { createAlertHistory } from './history/alert-history.js';
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
import { initCounterSeries } from './metrics/initial-series.js';
import { createMetrics } from './metrics/metrics.js';
import type { ProxySettings } from './domain/proxy-settings.js';
import type { HttpClient } from './publishers/http-client.js';
import { createHttpClient } from './publishers/http-client.js';
import { createDbRootlyAlertIds } from './publishers/rootly-alert-ids.js';
import { engineConfigOf, durableOptionsOf, reloadLeaseProblems } from './engine-options.js';
import type { Target } from './domain/target.js';
import { LiveTargets } from './live-targets.js';
import type { ReloadResult } from './reload.js';
import { createReloader } from './reload.js';
import { createPublishingEngine } from './engine/memory/memory-engine.js';
import type { PublishingEngine, ReconfigureSummary } from './engine/publishing-engine.js';
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
  /**
   * Reads the configuration again for a reload (SIGHUP, POST /-/reload); throws ConfigError.
   * Without it the running configuration is reloaded as it is.
   */
  loadConfig?: () => Config;
  /**
   * The process's secret mask, shared with its logger (serve.ts) so that a reload's new
   * secrets are masked in log lines too; default: built from `config`.
   */
  secretMasks?: SecretMasks;
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
  /** Re-reads the configuration and swaps it in, or keeps the running one (docs/configuration.md). */
  reload(): Promise<ReloadResult>;
  /** Stop admitting → drain the engine → stop retention → close server, publishers, database. */
  stop(): Promise<void>;
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger, version } = options;
  const clock = options.clock ?? createSystemClock();
  const random = options.random ?? Math.random;
  const registry = options.registry ?? new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);
  metrics.buildInfo.set({ version }, 1);
  metrics.databaseAvailable.set(1);
  const db = await openDatabase(config.storage, logger, {
    clock,
    onAvailability: (available) => metrics.databaseAvailable.set(available ? 1 : 0),
  });
  const { newer } = await migrate(db, logger);
  if (newer.length > 0) logger.warn({ migrations: newer }, newerDatabaseWarning(newer));
  const masks = options.secretMasks ?? secretMasksOf(config);
  const { mask } = masks;
  const http = options.http ?? createHttpClient(options.proxy ? { proxy: options.proxy } : {});
  const live = new LiveTargets({
    http,
    clock,
    logger,
    rootlyAlertIds: createDbRootlyAlertIds(db),
    mask,
  });
  live.commit(live.build(config));
  const targets = live.current;
  const repo = meterDlqRepository(
    createDlqRepository({ db, clock, logger, mask, targetNames: () => [...targets.keys()] }),
    {
      metrics,
      clock,
      logger,
    },
  );
  const journal = createJournal(config.storage.data_dir, {
    databaseId: await readDatabaseId(db),
    databaseName: databaseName(config.storage),
    mask,
  });
  await importJournal(journal, repo, logger);

  let running = config;
  if (targets.size === 0) {
    logger.warn({}, 'no targets configured: alerts will be counted as unrouted and dropped');
  }

  // The engines deliver to enabled targets only: disabling a target takes it out of delivery as
  // removing it does (its waiting jobs become target_removed letters, replayable once it is
  // enabled again; attempts in flight finish), in both modes. Routes, replays and the targets
  // API read every configured target.
  const deliverable = (all: ReadonlyMap<string, Target>): Map<string, Target> =>
    new Map([...all].filter(([, target]) => target.enabled));
  // Enabled targets only: a disabled one has no series (docs/metrics.md).
  initCounterSeries(metrics, deliverable(targets).keys());
  const sink: DeadLetterSink = repo;
  const alertStates = createAlertStateStore(db);
  const engine =
    config.queue.mode === 'durable'
      ? await createDurableEngine({
          clock,
          random,
          logger,
          metrics,
          targets: deliverable(targets),
          configured: targets,
          db,
          config: engineConfigOf(config),
          durable: durableOptionsOf(config),
          // PGlite belongs to this process: every wake-up (submit, completion, reaped lease)
          // is local, so only a server needs LISTEN.
          ...(db.kind === 'postgres'
            ? {
                listen: createPgListen(config.storage.database_url, logger, clock, {
                  connectTimeoutMs: config.storage.connect_timeout,
                }),
              }
            : {}),
          insertDeadLetters: dlqInsertOn(clock, logger),
          onDeadLettersCommitted: (count) => repo.committed(count),
        })
      : createPublishingEngine({
          clock,
          random,
          logger,
          metrics,
          targets: deliverable(targets),
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
  await replayShutdownEntries(replayDeps, logger);

  const history = createAttemptHistory({ metrics, clock, logger });
  // Read at every request: a reload changes them in place.
  const laneMaxWaitMs = { ...config.queue.max_wait };
  const auth = authOf(config);
  const reloader = createReloader({
    load: options.loadConfig ?? (() => running),
    running: () => running,
    check: (next) => reloadLeaseProblems(config, next),
    async apply(next) {
      // Before the new targets exist: their secrets are masked from their first message.
      masks.add(secretsOfConfig(next));
      const built = live.build(next);
      // The engine drops a removed or disabled target before its reconfigure resolves (durable
      // mode then dead-letters its jobs in the database), and it refuses a whole batch naming a
      // target it does not deliver to: routing by the old config meanwhile answered webhooks
      // 400, every alert lost. Until it resolves, alerts go to the targets both configs deliver
      // to, which the engine has throughout; then to the new config's.
      router = createRouter(routableInBoth(running, next));
      let summary: ReconfigureSummary;
      try {
        summary = await engine.reconfigure(deliverable(built.targets), engineConfigOf(next));
      } catch (error: unknown) {
        // Refused before anything changed (the lease check): the running targets stay.
        router = createRouter(routableOf(running));
        throw error;
      }
      live.commit(built);
      // Enabled targets only: the engine removed the series of a disabled one (docs/metrics.md).
      initCounterSeries(metrics, deliverable(built.targets).keys());
      router = createRouter(routableOf(next));
      Object.assign(laneMaxWaitMs, next.queue.max_wait);
      Object.assign(auth, authOf(next));
      if (next.log.level !== running.log.level) logger.level = next.log.level;
      running = next;
      return summary;
    },
    metrics,
    clock,
    logger,
  });
  metrics.configLastReloadSuccessful.set(1);
  metrics.configLastReloadSuccessTimestamp.set(clock.now() / 1000);
  const consoleDir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  const consoleAssets = await loadStaticAssets(consoleDir);
  if (consoleAssets === undefined) {
    logger.warn({ dir: consoleDir }, 'console not built: /ui/ answers 503 (run npm run build)');
  }

  let router = createRouter(routableOf(config));
  const receivedAt = (): string => new Date(clock.now()).toISOString();
  const ingest: Ingest = {
    parseWebhook: (body) => parseWebhookPayload(body, receivedAt()),
    parseSubmit: (body) => parseSubmitRequest(body, receivedAt()),
    route: (alerts, routeOptions) => router.route(alerts, routeOptions),
  };
  const dlq = createDlqOperations(repo, replayDeps);
  const catalog = createTargetCatalog(targets, engine, { clock, newId: randomUUID }, history);
  const server = createServer(
    {
      engine,
      laneMaxWaitMs,
      history,
      ...(consoleAssets === undefined ? {} : { consoleAssets }),
      dlq,
      alerts: createAlertHistory(db, {
        engine,
        dlq,
        targetNames: () => catalog.list().map((target) => target.name),
        jobsFrom: config.queue.mode === 'durable' ? 'database' : 'memory',
      }),
      targets: catalog,
      ingest,
      metrics: { alertsReceived: (result, count) => metrics.alertsReceived.inc({ result }, count) },
      readiness: {
        mode: config.queue.mode,
        databaseReachable: () => pingDatabase(db),
      },
      registry,
      auth,
      reload: () => reloader.reload(),
      allowedHosts: config.server.allowed_hosts,
      bodyLimitBytes: config.server.body_limit,
      connections: {
        maxConnections: config.server.max_connections,
        requestTimeoutMs: config.server.request_timeout,
        headersTimeoutMs: config.server.headers_timeout,
        keepAliveTimeoutMs: config.server.keep_alive_timeout,
        idleTimeoutMs: config.server.idle_timeout,
      },
      admissionRetryAfterMs: config.queue.admission_retry_after,
      now: () => clock.now(),
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
    reload: () => reloader.reload(),
    stop() {
      stopping ??= (async () => {
        server.drain();
        await engine.stop(running.shutdown_timeout);
        await retention.stop();
        await history.stop();
        await replayOutcomes.idle();
        await server.close();
        await live.close();
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

function routableOf(config: Config): Array<{ name: string; enabled: boolean; match: string[] }> {
  return config.targets.map((t) => ({ name: t.name, enabled: t.enabled, match: t.match }));
}

/**
 * The new config's targets, enabled only where the running config enables them too: what a
 * reload routes to while the engine swaps its targets (see `apply`).
 */
function routableInBoth(
  running: Config,
  next: Config,
): Array<{ name: string; enabled: boolean; match: string[] }> {
  const enabledBefore = new Set(running.targets.filter((t) => t.enabled).map((t) => t.name));
  return routableOf(next).map((t) => ({ ...t, enabled: t.enabled && enabledBefore.has(t.name) }));
}

function authOf(config: Config): { apiToken: string; readToken: string; webhookToken: string } {
  return {
    apiToken: config.auth.api_token,
    readToken: config.auth.read_token,
    webhookToken: config.auth.webhook_token,
  };
}
