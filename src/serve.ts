import { hangupWhileLoading } from './hangup-while-loading.js';
import { createApp } from './app.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './config/config-error.js';
import { secretMasksOf } from './config/config-secrets.js';
import { configPathOf, loadConfig } from './config/load-config.js';
import { logTargetFileProblems } from './config/log-target-files.js';
import { proxySettingsOf } from './config/proxy-env.js';
import type { LaneStatus } from './engine/publishing-engine.js';
import { createLogger } from './logger.js';
import { RECOMMENDED_MAX_ALERTS, warnOfMaxAlertsBound } from './max-alerts-bound.js';
import type { CliIo } from './cli/cli-context.js';
import { EXIT } from './cli/cli-context.js';
import { summarizeConfig } from './cli/config-summary.js';
import { watchStopSignals } from './stop-signals.js';

/** Runs `load`, or prints every problem (no stack trace) and returns undefined. */
export function loadConfigOrReport(load: () => Config, io: CliIo): Config | undefined {
  try {
    return load();
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return undefined;
  }
}

/**
 * The config the service runs with, at start and at each reload: valid, and every log target's
 * file can be opened (log-target-files.ts). `config check` stays static (docs/cli.md).
 * Throws ConfigError.
 */
function loadServableConfig(path: string | undefined, env: CliIo['env']): Config {
  const config = loadConfig({ path, env });
  const problems = logTargetFileProblems(config.targets);
  if (problems.length > 0) throw new ConfigError(configPathOf({ path, env }), problems);
  return config;
}

/**
 * The process edge of `serve`: config → app → listen; SIGTERM/SIGINT → graceful stop (a
 * second signal exits at once, see stop-signals.ts); SIGHUP → config reload, never a stop.
 * Resolves with the exit code when it cannot start (a bad configuration); once started, it
 * ends the process itself with the stop's exit code (see the end). The first log line says
 * what was loaded (config-summary.ts), before the database is opened.
 */
export async function serveUntilSignal(
  configPath: string | undefined,
  io: CliIo,
  version: string,
): Promise<number> {
  // SIGHUP reloads the configuration (as Prometheus and Alertmanager do); it never stops. One
  // listener serves the whole life of the process and is never removed: without a listener the
  // signal's default action kills the process, starting or in the middle of a drain. It is
  // installed before any output, so that no SIGHUP sent on reading a line finds none. What it
  // does changes with the phase: while starting it is remembered (the file may have changed
  // after it was read) and applied once started; while stopping it is ignored.
  let hangupWhileStarting = false;
  let onHangup = (): void => {
    hangupWhileStarting = true;
  };
  process.on('SIGHUP', () => onHangup());
  // One sent while the modules loaded (the entry point's listener, now removed) counts too.
  if (hangupWhileLoading()) hangupWhileStarting = true;
  const load = (): Config => loadServableConfig(configPath, io.env);
  const config = loadConfigOrReport(load, io);
  if (config === undefined) return EXIT.usage;
  const secretMasks = secretMasksOf(config);
  const logger = createLogger(config.log.level, { mask: secretMasks.mask });
  const source = configPathOf({ path: configPath, env: io.env });
  const summary = summarizeConfig(config, source);
  logger.info({ version, ...summary }, 'alert-publisher starting');
  if (summary.max_alerts !== undefined && summary.max_alerts < RECOMMENDED_MAX_ALERTS) {
    warnOfMaxAlertsBound(logger, summary.max_alerts);
  }
  const app = await createApp({
    config,
    logger,
    version,
    proxy: proxySettingsOf(io.env),
    loadConfig: load,
    secretMasks,
  });
  onHangup = (): void => {
    app.reload().catch((error: unknown) => {
      logger.error({ err: error }, 'config reload failed unexpectedly');
    });
  };
  if (hangupWhileStarting) onHangup();
  let url: string;
  try {
    url = await app.listen();
  } catch (error: unknown) {
    // The port is taken (or the host is not ours): a process that stays up serving nothing
    // holds its database connections and is never restarted by its supervisor. Stop what was
    // started and exit non-zero, as the end of a stop does (see there for why exit).
    const { host, port } = config.server;
    onHangup = (): void => {
      logger.warn({ signal: 'SIGHUP' }, 'reload ignored: not started');
    };
    logger.error(
      { err: error, host, port },
      `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
    );
    await app.stop().catch((stopError: unknown) => {
      logger.error({ err: stopError }, 'stop after the failed listen failed');
    });
    process.exit(EXIT.failed);
  }
  const stop = watchStopSignals(
    process,
    () => performance.now(),
    (name) => {
      // What the forced exit leaves behind. Durable mode keeps every job in the database (the
      // next start redelivers them); memory mode loses them, so the line says how many.
      const { lanes, inFlight } = app.engine.status();
      const count = (pick: (lane: LaneStatus) => number): number =>
        Object.values(lanes).reduce((sum, lane) => sum + pick(lane), 0);
      const waiting = count((lane) => lane.queued + lane.retrying);
      const unwritten = count((lane) => lane.failed);
      const lost = config.queue.mode === 'memory' ? waiting + unwritten + inFlight : 0;
      logger.warn(
        {
          signal: name,
          waiting,
          in_flight: inFlight,
          unwritten_dead_letters: unwritten,
          lost,
        },
        'second signal: exiting without waiting',
      );
      process.exit(EXIT.failed);
    },
  );
  logger.info(
    {
      url,
      host: config.server.host,
      version,
      mode: config.queue.mode,
      targets: config.targets.length,
    },
    'alert-publisher listening',
  );
  const signal = await stop.signal;
  onHangup = (): void => {
    logger.warn({ signal: 'SIGHUP' }, 'reload ignored: stopping');
  };
  logger.info({ signal }, 'stopping');
  let code: number = EXIT.ok;
  try {
    await app.stop();
    logger.info({}, 'stopped');
  } catch (error: unknown) {
    logger.error({ err: error }, 'stop failed');
    code = EXIT.failed;
  } finally {
    stop.stopped();
  }
  // The stop is over: exit rather than wait for the event loop to empty. A socket to a
  // database that stopped answering (a blackhole) can stay open for minutes after the pool
  // was ended, and kept a stopped service alive until its supervisor killed it.
  process.exit(code);
}
