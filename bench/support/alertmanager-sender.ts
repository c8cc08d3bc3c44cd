/**
 * The Alertmanager side of the end-to-end benches: alerts with distinct fingerprints, v4
 * webhook payloads of a batch of them, and concurrent senders POSTing those payloads to the
 * service's /webhook (a 503 while a lane is full is retried after 20 ms, as Alertmanager
 * would retry later).
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'undici';

import type { Alert } from '../../src/domain/alert.js';
import { anAlert } from '../../test/support/builders.js';

/** Alert `n` of run `run`: a warning, its own fingerprint. */
export function benchAlert(run: number, n: number): Alert {
  return anAlert({ severity: 'warning', run: String(run), n: String(n) });
}

/** `count` alerts of run `run` as JSON payloads of `batch` alerts each. */
export function alertmanagerPayloads(run: number, count: number, batch: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < count; i += batch) {
    const alerts = Array.from({ length: Math.min(batch, count - i) }, (_, k) =>
      benchAlert(run, i + k),
    );
    bodies.push(JSON.stringify({ version: '4', status: 'firing', receiver: 'ap', alerts }));
  }
  return bodies;
}

/** POSTs every body to `origin`/webhook from `senders` concurrent connections. */
export async function sendPayloads(
  origin: string,
  bodies: readonly string[],
  senders: number,
): Promise<void> {
  const client = new Pool(origin, { connections: senders });
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next];
      next += 1;
      for (;;) {
        const response = await client.request({
          method: 'POST',
          path: '/webhook',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await response.body.dump();
        if (response.statusCode === 202) break;
        if (response.statusCode !== 503)
          throw new Error(`/webhook answered ${response.statusCode}`);
        await sleep(20);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: senders }, sender));
  } finally {
    await client.close();
  }
}
