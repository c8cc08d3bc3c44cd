import { openDatabase } from './db/open-database.js';
import { formatProblem, ConfigError } from './config/config-error.js';
import { configPathOf, loadConfig } from './config/load-config.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { createPgDb } from './db/pg-db.js';
import { newerDatabaseWarning } from './db/recorded-migrations.js';
import { AppError } from './domain/errors.js';
import { createSystemClock } from './domain/system-clock.js';
import { createDlqRepository } from './dlq/dlq-repository.js';
import { createDlqOperations } from './dlq/dlq-operations.js';
import { createLogger } from './logger.js';
import type { CliBackends, CliIo, ConfigCheck } from './cli/cli-context.js';
import type { ConfiguredServer } from './cli/configured-server.js';
import { summarizeConfig, summaryLines } from './cli/config-summary.js';
import { configuredServerOf } from './cli/configured-server.js';
import { loadConfigOrReport, serveUntilSignal } from './serve.js';

/** The real backends: the only place the CLI opens databases or starts the service. */
export function createCliBackends(io: CliIo, version: string): CliBackends {
  const logger = createLogger('warn', { destination: process.stderr });
  // The connection's own lines (`postgres: unavailable`) are for a service's log; a command
  // prints the error that ends it as its one `error:` line (docs/cli.md).
  const connectionLogger = createLogger('silent', { destination: process.stderr });
  return {
    serve: (configPath) => serveUntilSignal(configPath, io, version),

    async migrate(databaseUrl, configPath) {
      let db: Db;
      if (databaseUrl !== undefined) db = createPgDb(databaseUrl, { logger: connectionLogger });
      else {
        const config = loadConfigOrReport(() => loadConfig({ path: configPath, env: io.env }), io);
        if (config === undefined) throw new Error('cannot migrate: the configuration is invalid');
        db = await openDatabase(config.storage, logger);
      }
      try {
        const run = await migrate(db, logger);
        return {
          applied: run.applied.map((version) => String(version).padStart(4, '0')),
          warnings: run.newer.length > 0 ? [newerDatabaseWarning(run.newer)] : [],
        };
      } finally {
        await db.close();
      }
    },

    checkConfig(configPath) {
      return Promise.resolve(checkConfig(configPath, io));
    },

    openDatabaseDlq(databaseUrl) {
      const db = createPgDb(databaseUrl, { logger: connectionLogger });
      const repo = createDlqRepository({ db, clock: createSystemClock() });
      return Promise.resolve({
        ops: createDlqOperations(repo, undefined),
        close: () => db.close(),
      });
    },

    configuredServer(configPath) {
      return Promise.resolve(configuredServer(configPath, io));
    },
  };
}

/** The config as `serve` would load it (env overrides such as PORT applied); docs/cli.md. */
function configuredServer(configPath: string, io: CliIo): ConfiguredServer {
  try {
    return configuredServerOf(loadConfig({ path: configPath, env: io.env }), configPath);
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    throw new AppError('invalid_config', `invalid configuration (${error.source})`, {
      details: [...error.problems],
      cause: error,
    });
  }
}

function checkConfig(configPath: string | undefined, io: CliIo): ConfigCheck {
  try {
    const config = loadConfig({ path: configPath, env: io.env });
    const source = configPathOf({ path: configPath, env: io.env });
    return {
      source,
      problems: [],
      summary: summaryLines(summarizeConfig(config, source)),
    };
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    return { source: error.source, problems: error.problems.map(formatProblem), summary: [] };
  }
}
