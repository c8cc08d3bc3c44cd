import { Agent, request } from 'undici';

import type { Publisher } from '../../../../src/domain/publisher.js';

/*
 * A minimal webhook-ish publisher for the durable tests and bench until branch `publishers`
 * lands src/publishers/webhook.ts: POST JSON, `webhook-id` = job id, 2xx = success.
 */
export function createPostPublisher(url: string, instance: string, connections = 64): Publisher {
  const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  return {
    async publish(delivery, signal) {
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          signal,
          headers: {
            'content-type': 'application/json',
            'webhook-id': delivery.jobId,
            'x-instance': instance,
            'x-priority': delivery.priority,
          },
          body: JSON.stringify({ job_id: delivery.jobId, alert: delivery.alert }),
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
        return {
          ok: false,
          type: 'transient',
          reason: 'server_error',
          status: response.statusCode,
          message: `HTTP ${response.statusCode}`,
        };
      } catch (error: unknown) {
        const name = error instanceof Error ? error.name : 'error';
        return { ok: false, type: 'transient', reason: 'network', message: name };
      }
    },
    close: () => agent.close(),
  };
}
