import pg from 'pg';

import type { Logger } from '../../domain/clock.js';
import type { Listen } from './durable-engine.js';

/**
 * LISTEN on a dedicated node-postgres client (a pooled connection cannot hold a LISTEN). If the
 * connection drops, wake-ups fall back to the engine's poll until `listen` is called again.
 */
export function createPgListen(connectionString: string, logger: Logger): Listen {
  return async (channel, onNotify) => {
    const client = new pg.Client({ connectionString });
    client.on('error', (error: unknown) => {
      logger.error({ err: error }, 'LISTEN connection failed; polling until restart');
    });
    client.on('notification', () => onNotify());
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return () => client.end();
  };
}
