import { createApp } from './app.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './config/config-error.js';
import { secretMaskOf } from './config/config-secrets.js';
import { loadConfig } from './config/load-config.js';
import { proxySettingsOf } from './config/proxy-env.js';
import { createLogger } from './logger.js';
import type { CliIo } from './cli/cli-context.js';
import { EXIT } from './cli/cli-context.js';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

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
 * second signal exits at once). Resolves with the exit code.
 */
export async function serveUntilSignal(
  configPath: string | undefined,
  io: CliIo,
  version: string,
): Promise<number> {
  const config = loadConfigOrReport(configPath, io);
  if (config === undefined) return EXIT.usage;
  const logger = createLogger(config.log.level, { mask: secretMaskOf(config) });
  const app = await createApp({ config, logger, version, proxy: proxySettingsOf(io.env) });
  const url = await app.listen();
  logger.info(
    { url, version, mode: config.queue.mode, targets: config.targets.length },
    'alert-publisher listening',
  );
  const signal = await new Promise<string>((resolve) => {
    for (const name of STOP_SIGNALS) process.once(name, () => resolve(name));
  });
  for (const name of STOP_SIGNALS) {
    process.once(name, () => {
      logger.warn({ signal: name }, 'second signal: exiting without waiting');
      process.exit(EXIT.failed);
    });
  }
  logger.info({ signal, timeout_ms: config.shutdown_timeout }, 'stopping');
  try {
    await app.stop();
  } catch (error: unknown) {
    logger.error({ err: error }, 'stop failed');
    return EXIT.failed;
  }
  logger.info({}, 'stopped');
  return EXIT.ok;
}
