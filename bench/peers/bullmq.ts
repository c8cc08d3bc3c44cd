/**
 * BullMQ 5 on Redis for the webhook-duel bench: `fill` adds the run's jobs to a fresh queue
 * (addBulk, 1 000 a call); `drain` runs a Worker at the given concurrency whose handler POSTs
 * each job to the sink, and on stop obliterates the queue. Defaults otherwise (completed jobs
 * are kept, as BullMQ does unless told to remove them).
 */
import { Queue, Worker } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';

import type { Alert } from '../../src/domain/alert.js';
import { benchAlert } from '../support/alertmanager-sender.js';
import { peerInvocation, serveDrain } from '../support/peer-process.js';
import type { PeerSettings } from '../support/peer-process.js';
import { createSinkPoster } from '../support/sink-poster.js';

interface JobData {
  alert: Alert;
}

const FILL_CHUNK = 1_000;

function connectionOf(settings: PeerSettings): ConnectionOptions {
  const url = new URL(settings.connection);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

async function fill(settings: PeerSettings): Promise<void> {
  const queue = new Queue<JobData>(settings.name, { connection: connectionOf(settings) });
  for (let i = 0; i < settings.jobs; i += FILL_CHUNK) {
    const n = Math.min(FILL_CHUNK, settings.jobs - i);
    await queue.addBulk(
      Array.from({ length: n }, (_, k) => ({
        name: 'deliver',
        data: { alert: benchAlert(settings.round, i + k) },
      })),
    );
  }
  await queue.close();
}

async function drain(settings: PeerSettings): Promise<void> {
  const connection = connectionOf(settings);
  await serveDrain(async (gate) => {
    const queue = new Queue<JobData>(settings.name, { connection });
    const info = await (await queue.client).info();
    const serverPid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    const sink = createSinkPoster(settings.sinkUrl, settings.concurrency);
    const worker = new Worker<JobData>(
      settings.name,
      async (job) => {
        await gate;
        await sink.post(job.id ?? '', job.data.alert);
      },
      { connection, concurrency: settings.concurrency },
    );
    worker.on('failed', (job, error) => console.error(`BullMQ job ${job?.id} failed`, error));
    worker.on('error', (error) => console.error('BullMQ worker error', error));
    await worker.waitUntilReady();
    return {
      serverPid: Number.isInteger(serverPid) ? serverPid : undefined,
      async stop() {
        await worker.close();
        await sink.close();
        await queue.obliterate({ force: true });
        await queue.close();
      },
    };
  });
}

const { step, settings } = peerInvocation();
await (step === 'fill' ? fill(settings) : drain(settings));
