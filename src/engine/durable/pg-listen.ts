import pg from 'pg';

import type { Clock, Logger } from '../../domain/clock.js';
import type { Listen } from './durable-engine.js';

export interface PgListenOptions {
  /** First wait before reconnecting a lost LISTEN connection, doubling up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Give up a connect after this long (storage.connect_timeout; default 5000). */
  connectTimeoutMs?: number;
}

/**
 * LISTEN on a dedicated node-postgres client (a pooled connection cannot hold a LISTEN). The
 * first connect fails the caller. When the connection drops later, wake-ups fall back to the
 * engine's poll while a new connection is tried with backoff (base 1 s, doubling to 30 s); the
 * loss and the recovery are logged once each, and a recovery wakes the engine once (a NOTIFY
 * sent meanwhile was lost). The returned stop ends the connection and waits for the retry loop.
 */
export function createPgListen(
  connectionString: string,
  logger: Logger,
  clock: Clock,
  options: PgListenOptions = {},
): Listen {
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  return async (channel, onNotify) => {
    const stopping = new AbortController();
    let client: pg.Client | undefined;
    let reconnecting: Promise<void> = Promise.resolve();

    /**
     * A connected client with LISTEN issued; `onLost` runs once if it drops afterwards. A drop
     * before that (the client emits 'error' or 'end' before connect() rejects) is the caller's
     * failure only: calling onLost then started one more reconnect loop per failed attempt, and
     * each loop kept its own connection once the server was back.
     */
    async function open(onLost: () => void): Promise<pg.Client> {
      // Bounded: a connect to a server that never answers would otherwise hang the reconnect
      // loop, and stop() with it.
      const next = new pg.Client({
        connectionString,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      });
      let listening = false;
      let lost = false;
      const lose = (): void => {
        if (!listening || lost) return;
        lost = true;
        onLost();
      };
      next.on('error', lose);
      next.on('end', lose);
      next.on('notification', () => onNotify());
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error: unknown) {
        await next.end().catch((endError: unknown) => {
          logger.debug({ err: endError }, 'LISTEN: closing a failed connection failed');
        });
        throw error;
      }
      listening = true;
      return next;
    }

    function onLost(): void {
      if (stopping.signal.aborted) return;
      // warn: nothing fails meanwhile (claims poll); an outage is logged as such by the adapter.
      logger.warn({ channel }, 'LISTEN connection lost; polling until it is re-established');
      client = undefined;
      reconnecting = reconnect();
    }

    async function reconnect(): Promise<void> {
      for (let delayMs = baseDelayMs; !stopping.signal.aborted;) {
        try {
          await clock.sleep(delayMs, stopping.signal);
        } catch (error: unknown) {
          if (!stopping.signal.aborted) {
            logger.error({ err: error }, 'LISTEN reconnect stopped; polling until restart');
          }
          return;
        }
        try {
          client = await open(onLost);
        } catch (error: unknown) {
          logger.debug({ err: error, delay_ms: delayMs }, 'LISTEN reconnect failed; retrying');
          delayMs = Math.min(delayMs * 2, maxDelayMs);
          continue;
        }
        if (stopping.signal.aborted) {
          await client.end();
          return;
        }
        logger.info({ channel }, 'LISTEN connection re-established');
        onNotify();
        return;
      }
    }

    client = await open(onLost);
    return async () => {
      stopping.abort();
      await reconnecting;
      await client?.end();
    };
  };
}
