/**
 * The peers' job handler: POST the job to the sink as the service's webhook publisher would
 * (`format: webhook`: {version, job_id, target, priority, alert}), over an undici Pool with one
 * connection per concurrent job. A status other than 200 fails the job.
 */
import { Pool } from 'undici';

export interface SinkPoster {
  post(jobId: string, alert: unknown): Promise<void>;
  close(): Promise<void>;
}

export function createSinkPoster(url: string, connections: number): SinkPoster {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections });
  return {
    async post(jobId, alert) {
      const body = JSON.stringify({
        version: '1',
        job_id: jobId,
        target: 'sink',
        priority: 'medium',
        alert,
      });
      const response = await pool.request({
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`sink answered ${response.statusCode}`);
    },
    close: () => pool.close(),
  };
}
