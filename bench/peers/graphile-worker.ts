/**
 * graphile-worker 0.17.3 for the webhook-duel bench, batched as its performance guide
 * advises: `fill` migrates a fresh database and adds the run's jobs (addJobs, 1 000 a call);
 * `drain` runs a runner at the given concurrency with a local queue of 200 jobs and job
 * completions and failures batched with no added delay (completeJobBatchDelay and
 * failJobBatchDelay 0), whose task POSTs each job to the sink. Pool size: the default 10,
 * the service's own. Only its errors are printed.
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';

import { benchAlert } from '../support/alertmanager-sender.js';
import { peerInvocation, serveDrain } from '../support/peer-process.js';
import type { PeerSettings } from '../support/peer-process.js';
import { createSinkPoster } from '../support/sink-poster.js';

const FILL_CHUNK = 1_000;
const LOCAL_QUEUE_SIZE = 200;

// LogLevel is a const enum, absent at run time: its values are the strings.
const logger = new Logger(() => (level, message) => {
  if (String(level) === 'error') console.error(`graphile-worker: ${message}`);
});

async function fill(settings: PeerSettings): Promise<void> {
  const utils = await makeWorkerUtils({ connectionString: settings.connection, logger });
  await utils.migrate();
  for (let i = 0; i < settings.jobs; i += FILL_CHUNK) {
    const n = Math.min(FILL_CHUNK, settings.jobs - i);
    await utils.addJobs(
      Array.from({ length: n }, (_, k) => ({
        identifier: settings.name,
        payload: { alert: benchAlert(settings.round, i + k) },
      })),
    );
  }
  await utils.release();
}

function alertOf(payload: unknown): unknown {
  return typeof payload === 'object' && payload !== null && 'alert' in payload
    ? payload.alert
    : undefined;
}

async function drain(settings: PeerSettings): Promise<void> {
  await serveDrain(async (gate) => {
    const sink = createSinkPoster(settings.sinkUrl, settings.concurrency);
    const runner = await run({
      connectionString: settings.connection,
      concurrency: settings.concurrency,
      noHandleSignals: true,
      logger,
      taskList: {
        [settings.name]: async (payload, helpers) => {
          await gate;
          await sink.post(helpers.job.id, alertOf(payload));
        },
      },
      preset: {
        worker: {
          localQueue: { size: LOCAL_QUEUE_SIZE },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    });
    return {
      async stop() {
        await runner.stop();
        await sink.close();
      },
    };
  });
}

const { step, settings } = peerInvocation();
await (step === 'fill' ? fill(settings) : drain(settings));
