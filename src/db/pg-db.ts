import pg from 'pg';

import type { Logger } from '../domain/clock.js';
import type { Db, QueryOptions, QueryResult } from './db.js';
import { describeDatabaseUrl } from './describe-database-url.js';
import {
  DatabaseUnavailable,
  isDatabaseUnavailable,
  isPgConnectionFailure,
} from './database-unavailable.js';
import { trackReachability, type Reachability } from './reachability.js';

export interface PgDbOptions {
  logger: Logger;
  /** Pool size; default 10. */
  max?: number;
  /** Give up connecting after this long (default 5000) so a dead server fails fast. */
  connectTimeoutMs?: number;
  /** Client-side limit on one statement (default 30000). */
  queryTimeoutMs?: number;
  /** The clock's now(), for how long an outage lasted (reachability.ts); default Date.now. */
  now?: () => number;
  /** Told when the database becomes unavailable (false) and available again (true). */
  onAvailability?: (available: boolean) => void;
}

/**
 * node-postgres adapter. Errors are rethrown with the statement's first line as context; a
 * failed connect and a lost or timed-out connection as DatabaseUnavailable, the outage logged
 * once when it starts and once when it ends (reachability.ts). A connect that fails names the
 * database (host:port/name, no credentials) and no statement: the statement was never sent, and
 * `database "x" does not exist` shown as a failed SELECT read as a bug in the SQL.
 */
export function createPgDb(url: string, options: PgDbOptions): Db {
  const { logger } = options;
  // An edge adapter: the wall clock is its default; the app passes its injected clock.
  const reachability = trackReachability(logger, options.now ?? Date.now, options.onAvailability);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
  });
  // An idle client losing its server emits here; unhandled, it would crash the process. The
  // next statement tells whether the server is gone (reachability.ts) or only closed idle ones.
  pool.on('error', (error: Error) => {
    logger.debug({ reason: error.message }, 'postgres: idle connection lost');
  });
  // So may a checked-out one (in a statement, or between a transaction's statements): one
  // listener per connection, for its whole life; the statement under way fails with the loss.
  pool.on('connect', (client: pg.PoolClient) => {
    client.on('error', (error: Error) => {
      logger.debug({ reason: error.message }, 'postgres: connection lost');
    });
  });

  const where = describeDatabaseUrl(url);
  const connect = (): Promise<pg.PoolClient> =>
    pool.connect().catch((error: unknown) => {
      // Refused, reset or timed out is an outage; a missing database or a refused login is not,
      // and is only reported by whoever asked.
      throw failure(
        `postgres: cannot connect to ${where}: ${reasonOf(error)}`,
        error,
        reachability,
      );
    });

  return {
    kind: 'postgres',
    async query<Row>(
      text: string,
      params?: readonly unknown[],
      options?: QueryOptions,
    ): Promise<QueryResult<Row>> {
      // pool.query would connect and query in one call and report both as the statement's failure.
      const client = await connect();
      try {
        const result = await run<Row>(client, reachability, text, params, options);
        client.release();
        return result;
      } catch (error: unknown) {
        // As pool.query does: a client whose statement failed is not pooled again.
        client.release(true);
        throw error;
      }
    },
    async transaction(fn) {
      const client = await connect();
      const tx: Db = {
        kind: 'postgres',
        query: (text, params, options) => run(client, reachability, text, params, options),
        transaction: () => Promise.reject(new Error('nested transactions are not supported')),
        close: () => Promise.resolve(),
      };
      try {
        await run(client, reachability, 'BEGIN');
        const result = await fn(tx);
        await run(client, reachability, 'COMMIT');
        client.release();
        return result;
      } catch (error: unknown) {
        if (isDatabaseUnavailable(error)) {
          // The connection is gone or hung: a ROLLBACK would wait another query timeout on it
          // (a 60 s hang at the defaults). Destroying it ends the transaction on the server too.
          client.release(true);
          throw error;
        }
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError: unknown) {
          // A client that cannot roll back is broken: destroy it instead of pooling it.
          logger.warn({ err: rollbackError }, 'postgres: rollback failed');
          client.release(true);
        }
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

async function run<Row>(
  target: pg.PoolClient,
  reachability: Reachability,
  text: string,
  params: readonly unknown[] = [],
  options: QueryOptions = {},
): Promise<QueryResult<Row>> {
  try {
    // The port's Row type is the caller's declaration of its SELECT list.
    const result = await target.query<Row & pg.QueryResultRow>(
      options.name === undefined
        ? { text, values: [...params] }
        : { name: options.name, text, values: [...params] },
    );
    reachability.answered();
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error: unknown) {
    throw failure(
      `postgres: query failed (${reasonOf(error)}): ${firstLine(text)}`,
      error,
      reachability,
    );
  }
}

/**
 * The error to throw for a driver's `error`: a lost or unreachable server is DatabaseUnavailable,
 * its outage noted once (reachability.ts); anything else a plain Error.
 */
function failure(message: string, error: unknown, reachability: Reachability): Error {
  if (!isPgConnectionFailure(error)) return new Error(message, { cause: error });
  const unavailable = new DatabaseUnavailable(message, { cause: error });
  reachability.failed(unavailable);
  return unavailable;
}

/** The driver's own words ("connect ECONNREFUSED 127.0.0.1:5432", "database "x" does not exist"). */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors[0] instanceof Error) {
    return error.errors[0].message;
  }
  return error instanceof Error && error.message !== '' ? error.message : 'unknown error';
}

export function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}
