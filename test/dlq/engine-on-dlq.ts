import { Registry } from 'prom-client';

import type { Logger } from '../../src/domain/clock.js';
import type { DeadLetterFallback } from '../../src/domain/dead-letter.js';
import type { JobSnapshot } from '../../src/domain/job.js';
import type { Target } from '../../src/domain/target.js';
import type { DlqRepository } from '../../src/dlq/dlq-repository.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { EngineConfig } from '../../src/engine/engine-config.js';
import { DEFAULT_ENGINE_CONFIG } from '../support/engine-defaults.js';
import { createPublishingEngine } from '../../src/engine/memory/memory-engine.js';
import type { JobRequest, PublishingEngine } from '../../src/engine/publishing-engine.js';
import { createJobStatusStore } from '../../src/tracking/job-status-store.js';
import { anAlert } from '../support/builders.js';
import { aTarget } from '../support/dlq-fixtures.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createScriptedPublisher, type ScriptedPublisher } from '../support/scripted-publisher.js';

/**
 * The real memory engine with the real DLQ repository as its sink, one target `audit` whose
 * publisher answers from a script, the fake clock and no jitter. Waiting is event-driven:
 * `finished(id)` resolves when the engine reports the job final (for `dlq`, once stored).
 */
export interface EngineOnDlq {
  engine: PublishingEngine;
  publisher: ScriptedPublisher;
  targets: ReadonlyMap<string, Target>;
  finished(jobId: string): Promise<JobSnapshot>;
  /** Resolves at the next log line with this message (e.g. a failed dead-letter write). */
  nextLog(message: string): Promise<object>;
}

export function anEngineOnDlq(options: {
  clock: FakeClock;
  repo: DlqRepository;
  fallback?: DeadLetterFallback;
  config?: Partial<EngineConfig>;
}): EngineOnDlq {
  const publisher = createScriptedPublisher();
  const targets = new Map([['audit', aTarget('audit', { publisher })]]);
  const done = new Map<string, JobSnapshot>();
  const waiting = new Map<string, (job: JobSnapshot) => void>();
  const logWaiters: Array<{ message: string; resolve: (obj: object) => void }> = [];
  const log = (obj: object, msg?: string): void => {
    const index = logWaiters.findIndex((w) => w.message === msg);
    const [waiter] = index === -1 ? [] : logWaiters.splice(index, 1);
    waiter?.resolve(obj);
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  const engine = createPublishingEngine({
    clock: options.clock,
    random: () => 0,
    logger,
    metrics: createMetrics(new Registry()),
    targets,
    deadLetters: options.repo,
    fallback: options.fallback ?? {
      save: () => Promise.reject(new Error('no fallback in this test')),
    },
    statusStore: createJobStatusStore({ capacity: 1000 }),
    config: { ...DEFAULT_ENGINE_CONFIG, ...options.config },
  });
  engine.onJobFinished((job) => {
    done.set(job.id, job);
    waiting.get(job.id)?.(job);
  });
  return {
    engine,
    publisher,
    targets,
    finished(jobId) {
      const job = done.get(jobId);
      if (job !== undefined) return Promise.resolve(job);
      return new Promise((resolve) => waiting.set(jobId, resolve));
    },
    nextLog: (message) => new Promise((resolve) => logWaiters.push({ message, resolve })),
  };
}

export function anAuditRequest(labels: Record<string, string> = {}): JobRequest {
  return { target: 'audit', alert: anAlert(labels) };
}

/** Submits and returns the job ids; a refusal throws. */
export { submitIds as submitted } from '../engine/memory/engine-harness.js';

/** Stops the engine, moving virtual time on until stop() resolves (it waits on the clock). */
export async function stopEngine(
  engine: PublishingEngine,
  clock: FakeClock,
  timeoutMs = 0,
): Promise<void> {
  let stopped = false;
  const stopping = engine.stop(timeoutMs).then(() => {
    stopped = true;
  });
  for (let i = 0; i < 10_000 && !stopped; i += 1) await clock.advance(100);
  await stopping;
}
