import { createApp } from './app.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './config/config-error.js';
import { secretMasksOf } from './config/config-secrets.js';
import { configPathOf, loadConfig } from './config/load-config.js';
import { proxySettingsOf } from './config/proxy-env.js';
import { createLogger } from './logger.js';
import type { CliIo } from './cli/cli-context.js';
import { EXIT } from './cli/cli-context.js';
import { summarizeConfig } from './cli/config-summary.js';
import { watchStopSignals } from './stop-signals.js';

/** Loads the config, or prints every problem (no stack trace) and returns undefined. */
export function loadConfigOrReport(path: string | undefined, io: CliIo): Config | undefined {
  try {
    return loadConfig({ path, env: io.env });
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return undefined;
  }
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
  const config = loadConfigOrReport(configPath, io);
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
    loadConfig: () => loadConfig({ path: configPath, env: io.env }),
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
