/**
 * A minimal webhook publisher for the engine-post bench (POST JSON, 2xx = success) on an
 * undici Pool. Stands in until src/publishers/webhook.ts lands; it does what the raw undici
 * ceiling does, so the ratio measures the engine's own overhead.
 */
import { Pool } from 'undici';

import type { Publisher, PublishOutcome } from '../../src/domain/publisher.js';

export function createSinkPublisher(url: string, connections: number): Publisher {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  return {
    async publish(delivery, signal): Promise<PublishOutcome> {
      try {
        const body = JSON.stringify({
          version: '1',
          job_id: delivery.jobId,
          target: delivery.target,
          priority: delivery.priority,
          alert: delivery.alert,
        });
        const response = await pool.request({
          method: 'POST',
          path: target.pathname,
          headers: { 'content-type': 'application/json' },
          body,
          signal,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          return { ok: true, status: response.statusCode };
        }
        return {
          ok: false,
          type: 'unknown',
          reason: 'server_error',
          status: response.statusCode,
          message: `HTTP ${response.statusCode}`,
        };
      } catch (error: unknown) {
        const name = error instanceof Error ? error.name : 'error';
        return { ok: false, type: 'transient', reason: 'network', message: name };
      }
    },
    close: () => pool.close(),
  };
}
