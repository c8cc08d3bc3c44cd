import assert from 'node:assert/strict';
import { setTimeout as pace } from 'node:timers/promises';

import { Registry } from 'prom-client';

import type { Db } from '../../../../src/db/db.js';
import type { Logger } from '../../../../src/domain/clock.js';
import type { Delivery, Publisher, PublishOutcome } from '../../../../src/domain/publisher.js';
import type { RetryPolicy, Target } from '../../../../src/domain/target.js';
import { durableOptionsOf } from '../../../../src/engine-options.js';
import { configSchema } from '../../../../src/config/schema.js';
import type {
  DurableOptions,
  DurableSettings,
} from '../../../../src/engine/durable/durable-config.js';
import { createDurableEngine } from '../../../../src/engine/durable/durable-engine.js';
import type { DurableEngineDeps } from '../../../../src/engine/durable/durable-engine.js';
import type { PublishingEngine } from '../../../../src/engine/publishing-engine.js';
import { createMetrics } from '../../../../src/metrics/metrics.js';
import type { Metrics } from '../../../../src/metrics/metrics.js';
import { DEFAULT_ENGINE_CONFIG } from '../../../support/engine-defaults.js';
import type { EngineConfig } from '../../../../src/engine/engine-config.js';
import { DEFAULT_RETRY_POLICY } from '../../../../src/retry/backoff.js';
import type { FakeClock } from '../../../support/fake-clock.js';
import { eventually } from '../../../support/eventually.js';
import { anAlert } from '../../../support/builders.js';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * A publisher whose attempts the test answers: each delivery waits until `answer(id, outcome)`
 * (or its signal aborts). `deliveries` lists the attempts in start order.
 */
export interface ScriptedPublisher extends Publisher {
  deliveries: Delivery[];
  aborted: string[];
  answer(jobId: string, outcome: PublishOutcome): void;
  /** Answer every attempt, past and future, with this outcome. */
  answerAll(outcome: PublishOutcome): void;
}

/** Empties every table a durable engine writes, for a test that starts afresh. */
export async function clearDurableTables(db: Db): Promise<void> {
  await db.query(
    'TRUNCATE publishing_jobs, publishing_job_counts, publishing_dlq, publishing_instances, publishing_alert_states',
  );
}

/** A target's 503: transient, retried, counted by its breaker. */
export const SERVER_ERROR_503 = {
  ok: false,
  type: 'transient',
  reason: 'server_error',
  status: 503,
  message: 'HTTP 503',
} as const;

export function scriptedPublisher(): ScriptedPublisher {
  const waiting = new Map<string, (outcome: PublishOutcome) => void>();
  let always: PublishOutcome | undefined;
  const publisher: ScriptedPublisher = {
    deliveries: [],
    aborted: [],
    publish(delivery, signal) {
      publisher.deliveries.push(delivery);
      if (always !== undefined) return Promise.resolve(always);
      return new Promise((resolve) => {
        waiting.set(delivery.jobId, resolve);
        signal.addEventListener('abort', () => {
          publisher.aborted.push(delivery.jobId);
          resolve({ ok: false, type: 'transient', reason: 'network', message: 'aborted' });
        });
      });
    },
    answer(jobId, outcome) {
      waiting.get(jobId)?.(outcome);
      waiting.delete(jobId);
    },
    answerAll(outcome) {
      always = outcome;
      for (const resolve of waiting.values()) resolve(outcome);
      waiting.clear();
    },
    close: () => Promise.resolve(),
  };
  return publisher;
}

export function aTarget(name: string, publisher: Publisher): Target {
  return {
    name,
    type: 'webhook',
    enabled: true,
    publisher,
    endpoint: `https://${name}.example.com/hook`,
    timeoutMs: 10_000,
    retry: DEFAULT_RETRY_POLICY,
    redactedConfig: { name, type: 'webhook' },
  };
}

/**
 * The schema's `queue.durable` defaults, as the app maps them, but the lease: the app derives
 * it from the configured targets (none here), the engine from the targets it is given.
 */
export function defaultDurableOptions(): DurableOptions {
  const options = durableOptionsOf(configSchema.parse({}));
  delete options.leaseMs;
  return options;
}

export async function startEngine(
  db: Db,
  clock: FakeClock,
  publisher: Publisher,
  options: {
    config?: Partial<EngineConfig>;
    durable?: Partial<DurableSettings>;
    insertDeadLetters?: DurableEngineDeps['insertDeadLetters'];
    retry?: Partial<RetryPolicy>;
    logger?: Logger;
    /** Default: on a registry of its own that the test does not read. */
    metrics?: Metrics;
    /** Instead of t0 (with `publisher`). */
    targets?: readonly Target[];
    /** Every configured target, disabled ones too (the engine's `configured`). */
    configured?: readonly Target[];
    /** Settings of t0 beyond the defaults (resend_after); not with `targets`. */
    target?: Pick<Target, 'resendAfterMs'>;
  } = {},
): Promise<PublishingEngine> {
  const deps: DurableEngineDeps = {
    clock,
    random: () => 0.5,
    logger: options.logger ?? quiet,
    metrics: options.metrics ?? createMetrics(new Registry()),
    targets: new Map(
      (
        options.targets ?? [
          {
            ...aTarget('t0', publisher),
            retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
            ...options.target,
          },
        ]
      ).map((target) => [target.name, target]),
    ),
    db,
    config: { ...DEFAULT_ENGINE_CONFIG, ...options.config },
    durable: {
      ...defaultDurableOptions(),
      instanceId: 'me',
      heartbeatMs: 1_000,
      leaseMs: 15_000,
      ...options.durable,
    },
  };
  if (options.insertDeadLetters !== undefined) deps.insertDeadLetters = options.insertDeadLetters;
  if (options.configured !== undefined) {
    deps.configured = new Map(options.configured.map((target) => [target.name, target]));
  }
  return createDurableEngine(deps);
}

/** Submits one alert with `labels` to t0 and returns its job id (the submission must succeed). */
export async function submitOne(
  engine: PublishingEngine | undefined,
  labels: Record<string, string> = {},
): Promise<string> {
  if (engine === undefined) throw new Error('no engine');
  const result = await engine.submit([{ alert: anAlert(labels), target: 't0' }]);
  assert.ok(result.ok);
  const id = result.jobIds[0];
  assert.ok(id !== undefined);
  return id;
}

/**
 * Moves virtual time in `stepMs` steps until `condition`. Between steps it yields a few real
 * milliseconds so that the database round trips a step started (heartbeats, claims) finish
 * first: otherwise virtual time would outrun them, and leases lapse that no real instance
 * would lose. A pace, not a timing assertion.
 */
export async function advanceUntil(
  clock: FakeClock,
  stepMs: number,
  what: string,
  condition: () => boolean | Promise<boolean>,
): Promise<void> {
  await eventually(what, async () => {
    if (await condition()) return true;
    await clock.advance(stepMs);
    await pace(5);
    return false;
  });
}

export async function stateOf(db: Db, id: string): Promise<Record<string, unknown> | undefined> {
  const result = await db.query(
    `SELECT state, lease_owner, attempts, retries FROM publishing_jobs WHERE id = $1`,
    [id],
  );
  return result.rows[0];
}
