import { createApp } from './app.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './config/config-error.js';
import { secretMasksOf } from './config/config-secrets.js';
import { configPathOf, loadConfig } from './config/load-config.js';
import { logTargetFileProblems } from './config/log-target-files.js';
import { proxySettingsOf } from './config/proxy-env.js';
import { createLogger } from './logger.js';
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
 * Resolves with the exit code. The first log line says what was loaded (config-summary.ts),
 * before the database is opened.
 */
export async function serveUntilSignal(
  configPath: string | undefined,
  io: CliIo,
  version: string,
): Promise<number> {
  const load = (): Config => loadServableConfig(configPath, io.env);
  const config = loadConfigOrReport(load, io);
  if (config === undefined) return EXIT.usage;
  const secretMasks = secretMasksOf(config);
  const logger = createLogger(config.log.level, { mask: secretMasks.mask });
  const source = configPathOf({ path: configPath, env: io.env });
  logger.info({ version, ...summarizeConfig(config, source) }, 'alert-publisher starting');
  const app = await createApp({
    config,
    logger,
    version,
    proxy: proxySettingsOf(io.env),
    loadConfig: load,
    secretMasks,
  });
  // SIGHUP reloads the configuration (as Prometheus and Alertmanager do); it never stops.
  const reloadOnHangup = (): void => {
    app.reload().catch((error: unknown) => {
      logger.error({ err: error }, 'config reload failed unexpectedly');
    });
  };
  process.on('SIGHUP', reloadOnHangup);
  const url = await app.listen();
  const stop = watchStopSignals(
    process,
    () => performance.now(),
    (name) => {
      logger.warn({ signal: name }, 'second signal: exiting without waiting');
      process.exit(EXIT.failed);
    },
  );
  logger.info(
    { url, version, mode: config.queue.mode, targets: config.targets.length },
    'alert-publisher listening',
  );
  const signal = await stop.signal;
  process.off('SIGHUP', reloadOnHangup);
  logger.info({ signal }, 'stopping');
  try {
    await app.stop();
  } catch (error: unknown) {
    logger.error({ err: error }, 'stop failed');
    return EXIT.failed;
  } finally {
    stop.stopped();
  }
  logger.info({}, 'stopped');
  return EXIT.ok;
}
