import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import type { LogTargetConfig } from '../config/targets.js';
import type { Delivery, Publisher } from '../domain/publisher.js';
import type { PublisherDeps } from './publisher-deps.js';

/**
 * Log target (demos, debugging): each delivered alert as one JSON line on stdout or appended
 * to `path`. The file is opened on first use and kept open until close(). A write error is a
 * failure like any other (unknown, retried), never an exception.
 */
function line(delivery: Delivery, nowMs: number): string {
  const record: Record<string, unknown> = {
    time: new Date(nowMs).toISOString(),
    job_id: delivery.jobId,
    target: delivery.target,
    priority: delivery.priority,
    alert: delivery.alert,
  };
  if (delivery.classification !== undefined) record['classification'] = delivery.classification;
  return `${JSON.stringify(record)}\n`;
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) =>
      error === undefined || error === null ? resolve() : reject(error),
    );
  });
}

export function createLogPublisher(config: LogTargetConfig, deps: PublisherDeps): Publisher {
  let file: Promise<FileHandle> | undefined;
  const write =
    config.path === 'stdout'
      ? writeStdout
      : async (text: string): Promise<void> => {
          // A failed open is forgotten so the next attempt tries again.
          file ??= open(config.path, 'a').catch((error: unknown) => {
            file = undefined;
            throw error;
          });
          await (await file).appendFile(text);
        };

  return {
    async publish(delivery) {
      try {
        await write(line(delivery, deps.clock.now()));
        return { ok: true };
      } catch (error: unknown) {
        // An unwritable file or closed stdout: reported, retried, then dead-lettered.
        const code: unknown =
          typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
        return {
          ok: false,
          type: 'unknown',
          reason: 'internal',
          message: `log write failed${typeof code === 'string' ? `: ${code}` : ''}`,
        };
      }
    },
    async close() {
      const handle = file;
      file = undefined;
      if (handle !== undefined) await (await handle).close();
    },
  };
}
