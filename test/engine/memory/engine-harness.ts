import { Registry } from 'prom-client';

import type { Logger } from '../../../src/domain/clock.js';
import type { JobSnapshot } from '../../../src/domain/job.js';
import type { Publisher } from '../../../src/domain/publisher.js';
import type { RetryPolicy, Target } from '../../../src/domain/target.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import type { Metrics } from '../../../src/metrics/metrics.js';
import { createPublishingEngine } from '../../../src/engine/memory/memory-engine.js';
import type { EngineConfig } from '../../../src/engine/engine-config.js';
import { DEFAULT_ENGINE_CONFIG } from '../../support/engine-defaults.js';
import type { JobRequest, PublishingEngine } from '../../../src/engine/publishing-engine.js';
import { DEFAULT_RETRY_POLICY } from '../../../src/retry/backoff.js';
import { createJobStatusStore } from '../../../src/tracking/job-status-store.js';
import type { JobStatusStore } from '../../../src/tracking/job-status-store.js';
import { anAlert } from '../../support/builders.js';
import { createFakeClock } from '../../support/fake-clock.js';
import type { FakeClock } from '../../support/fake-clock.js';
import { createMemoryDeadLetters } from '../../support/memory-dead-letters.js';
import type { MemoryDeadLetters } from '../../support/memory-dead-letters.js';

export interface TargetSpec {
  name: string;
  publisher: Publisher;
  /** Where it sends (Target.endpoint); by default one address per name. */
  endpoint?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  rateLimit?: { perSecond: number; burst: number };
  resendAfterMs?: number;
}

export interface Harness {
  engine: PublishingEngine;
  clock: FakeClock;
  deadLetters: MemoryDeadLetters;
  registry: Registry;
  metrics: Metrics;
  store: JobStatusStore;
  finished: JobSnapshot[];
  logs: Array<{ level: string; obj: object; msg: string | undefined }>;
}

export function aTarget(spec: TargetSpec): Target {
  const target: Target = {
    name: spec.name,
    type: 'webhook',
    enabled: true,
    publisher: spec.publisher,
    endpoint: spec.endpoint ?? `https://${spec.name}.example.com/hook`,
    timeoutMs: spec.timeoutMs ?? 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, jitterMs: 0, ...spec.retry },
    redactedConfig: { url: `https://${spec.name}.example.com/hook` },
  };
  if (spec.rateLimit !== undefined) target.rateLimit = spec.rateLimit;
  if (spec.resendAfterMs !== undefined) target.resendAfterMs = spec.resendAfterMs;
  return target;
}

export function anEngine(options: {
  targets: TargetSpec[];
  config?: Partial<EngineConfig>;
  random?: () => number;
  trackingCapacity?: number;
  clock?: FakeClock;
  /** Keep the engine's own job ids (random UUIDs) instead of numbered test ids. */
  randomIds?: boolean;
}): Harness {
  const clock = options.clock ?? createFakeClock();
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const deadLetters = createMemoryDeadLetters();
  const store = createJobStatusStore({ capacity: options.trackingCapacity ?? 10_000 });
  const logs: Harness['logs'] = [];
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      logs.push({ level, obj, msg });
    };
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  let id = 0;
  const newId = (): string => `job-${String((id += 1)).padStart(6, '0')}`;
  const engine = createPublishingEngine({
    clock,
    random: options.random ?? (() => 0),
    logger,
    metrics,
    targets: new Map(options.targets.map((spec) => [spec.name, aTarget(spec)])),
    deadLetters: deadLetters.sink,
    fallback: deadLetters.fallback,
    statusStore: store,
    config: { ...DEFAULT_ENGINE_CONFIG, ...options.config },
    ...(options.randomIds === true ? {} : { newId }),
  });
  const finished: JobSnapshot[] = [];
  engine.onJobFinished((job) => finished.push(job));
  return { engine, clock, deadLetters, registry, metrics, store, finished, logs };
}

/** A job request; `severity` picks the lane (critical → high, warning → medium, info → low). */
export function aRequest(
  target: string,
  labels: Record<string, string> = {},
  status: 'firing' | 'resolved' = 'firing',
): JobRequest {
  return { target, alert: anAlert(labels, { status }) };
}

export async function submitIds(
  engine: PublishingEngine,
  requests: JobRequest[],
): Promise<string[]> {
  const result = await engine.submit(requests);
  if (!result.ok) throw new Error(`submit refused: ${result.code}`);
  return result.jobIds;
}
