import { z } from 'zod';

import { QUEUE_MODES } from '../domain/job.js';
import { HOST_NAME_RULE, hostNameOf } from '../domain/host-name.js';
import type { Priority } from '../domain/job.js';
import { leaseViolations } from './durable-lease.js';
import { durationMs, positiveDuration } from './duration.js';
import { sizeBytes } from './size.js';
import { targetSchema } from './targets.js';

/**
 * The whole configuration file, every default defined here once (docs/configuration.md). Unknown keys
 * are errors. After parsing, durations are milliseconds and sizes are bytes.
 */
const POSITIVE_INT = 'expected a positive integer';
const positiveInt = z.int({ error: POSITIVE_INT }).positive({ error: POSITIVE_INT });

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Each entry in hostNameOf's form, so the Host check compares like with like. */
const allowedHost = z.string({ error: `expected ${HOST_NAME_RULE}` }).transform((text, ctx) => {
  const name = hostNameOf(text);
  if (name !== undefined) return name;
  ctx.addIssue({ code: 'custom', message: `"${text}" is not ${HOST_NAME_RULE}` });
  return z.NEVER;
});

const serverSchema = z
  .strictObject({
    host: z.string().min(1, 'must not be empty').default('0.0.0.0'),
    port: z
      .int({ error: 'expected a port number 0-65535' })
      .min(0, 'expected a port number 0-65535')
      .max(65_535, 'expected a port number 0-65535')
      .default(8080),
    body_limit: sizeBytes.refine((bytes) => bytes > 0, 'must be greater than 0').default(1_048_576),
    /** Time limits per connection phase and the cap on connections (docs/security.md). */
    request_timeout: positiveDuration.default(30_000),
    headers_timeout: positiveDuration.default(10_000),
    keep_alive_timeout: positiveDuration.default(72_000),
    idle_timeout: positiveDuration.default(60_000),
    max_connections: z
      .int({ error: 'expected an integer 1-100000' })
      .min(1, 'expected an integer 1-100000')
      .max(100_000, 'expected an integer 1-100000')
      .default(512),
    /**
     * Names besides loopback ones that the Host header of a request admitted for being from
     * loopback may carry (docs/security.md, DNS rebinding).
     */
    allowed_hosts: z.array(allowedHost, { error: 'expected a list of host names' }).default([]),
  })
  .superRefine((server, ctx) => {
    // Node refuses a header limit longer than the limit on the whole request.
    if (server.headers_timeout > server.request_timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers_timeout'],
        message: 'must not exceed server.request_timeout',
      });
    }
  });

/**
 * A token is set or absent, never empty: `api_token: ${TOK}` with TOK set but empty would leave
 * its routes open without a word (docs/configuration.md). Absent is the documented "none".
 */
const optionalToken = z
  .string()
  .refine(
    (token) => token !== '',
    'must not be empty (it would guard nothing): remove the key to run without a token',
  )
  .default('');

const authSchema = z.strictObject({
  /** Guards /api/*; absent = mutating routes answer loopback clients only. */
  api_token: optionalToken,
  /** May do GETs on /api/* only. */
  read_token: optionalToken,
  /** Guards /webhook. */
  webhook_token: optionalToken,
});

const storageSchema = z.strictObject({
  /** Empty = embedded PGlite in data_dir. */
  database_url: z
    .string()
    .refine(
      (url) => url === '' || /^postgres(ql)?:\/\//.test(url),
      'must be a postgres:// or postgresql:// URL (or empty for the embedded database)',
    )
    .default(''),
  data_dir: z.string().min(1, 'must not be empty').default('./data'),
  /** PostgreSQL: give up opening a connection after this long. */
  connect_timeout: positiveDuration.default(5_000),
  /** PostgreSQL: give up waiting for one statement's answer after this long. */
  query_timeout: positiveDuration.default(30_000),
});

/** Only read in `queue.mode: durable` (docs/storage.md). */
const durableSchema = z.strictObject({
  /** 0 = the longest target timeout plus 3 heartbeats; must exceed timeout + heartbeat. */
  lease: durationMs.default(0),
  heartbeat: positiveDuration.default(5_000),
  /** Backstop when no NOTIFY arrives. */
  poll_interval: positiveDuration.default(2_000),
  prefetch_per_worker: z
    .int({ error: 'expected an integer 0-16' })
    .min(0, 'expected an integer 0-16')
    .max(16, 'expected an integer 0-16')
    .default(1),
  completion_batch: z
    .int({ error: 'expected an integer 1-2000' })
    .min(1, 'expected an integer 1-2000')
    .max(2000, 'expected an integer 1-2000')
    .default(500),
  /** Succeeded and dead-lettered jobs stay queryable this long. */
  retention: positiveDuration.default(24 * 3_600_000),
  purge_interval: positiveDuration.default(60_000),
  purge_batch: positiveInt.default(1_000),
});

/**
 * Lane sizes by queue mode (docs/configuration.md, Lane sizes). In memory mode a held job costs
 * heap (a few KiB with its status entry) and is lost on a crash, so lanes stay small; in durable
 * mode it is a row on disk, and an alert storm should wait in PostgreSQL rather than be refused,
 * so the lanes are ten times larger.
 */
export const LANE_CAPACITY = {
  memory: { high: 500, medium: 1000, low: 500 },
  durable: { high: 5000, medium: 10_000, low: 5000 },
} as const;

const queueSchema = z.strictObject({
  mode: z.enum(QUEUE_MODES, { error: 'must be memory or durable' }).default('memory'),
  workers: positiveInt.default(10),
  /**
   * As written: a lane left out takes its mode's size when used (laneCapacityOf), so a reload
   * that keeps the running mode also keeps that mode's sizes.
   */
  capacity: z
    .strictObject({
      high: positiveInt.optional(),
      medium: positiveInt.optional(),
      low: positiveInt.optional(),
    })
    .prefault({}),
  max_wait: z
    .strictObject({
      medium: positiveDuration.default(10_000),
      low: positiveDuration.default(60_000),
    })
    .prefault({}),
  per_target_concurrency: positiveInt.default(4),
  per_target_share: z
    .number({ error: 'expected a number greater than 0 and at most 1' })
    .gt(0, 'expected a number greater than 0 and at most 1')
    .max(1, 'expected a number greater than 0 and at most 1')
    .default(0.5),
  /** Retry-After of the 503 answered while a lane is full or the service is stopping. */
  admission_retry_after: positiveDuration.default(5_000),
  durable: durableSchema.prefault({}),
});

type QueueConfig = z.output<typeof queueSchema>;

/**
 * Each lane's size: the configured one, else its mode's (LANE_CAPACITY). Resolved where it is
 * used rather than at parse time, so that it follows the mode that runs: a reload keeps the
 * running `queue.mode` (it needs a restart), and its defaults with it.
 */
export function laneCapacityOf(
  queue: Pick<QueueConfig, 'mode' | 'capacity'>,
): Record<Priority, number> {
  const defaults = LANE_CAPACITY[queue.mode];
  return {
    high: queue.capacity.high ?? defaults.high,
    medium: queue.capacity.medium ?? defaults.medium,
    low: queue.capacity.low ?? defaults.low,
  };
}

const retrySchema = z.strictObject({
  max_retries: z
    .int({ error: 'expected an integer 0-100' })
    .min(0, 'expected an integer 0-100')
    .max(100, 'expected an integer 0-100')
    .default(3),
  base: positiveDuration.default(2_000),
  factor: z
    .number({ error: 'expected a number 1-10' })
    .min(1, 'expected a number 1-10')
    .max(10, 'expected a number 1-10')
    .default(2),
  max_delay: positiveDuration.default(30_000),
  jitter: durationMs.default(1_000),
  max_retry_after: positiveDuration.default(300_000),
  max_job_age: positiveDuration.default(3_600_000),
});

const circuitBreakerSchema = z.strictObject({
  failure_threshold: positiveInt.default(5),
  success_threshold: positiveInt.default(2),
  open_timeout: positiveDuration.default(30_000),
});

const namedTarget = z.object({ name: z.string() });

/**
 * Runs even when some targets are wrong (`when` below), so that one run lists every problem
 * (docs/configuration.md): `targets` then holds what each entry parsed to so far, whatever its
 * shape, and an entry without a string name has its own problem reported already.
 */
function rejectDuplicateNames(targets: readonly unknown[], ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  targets.forEach((target, index) => {
    const named = namedTarget.safeParse(target);
    if (!named.success) return;
    const { name } = named.data;
    const previous = firstIndex.get(name);
    if (previous === undefined) firstIndex.set(name, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate target name "${name}" (also targets[${previous}])`,
      });
    }
  });
}

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    auth: authSchema.prefault({}),
    storage: storageSchema.prefault({}),
    shutdown_timeout: positiveDuration.default(30_000),
    /** After shutdown_timeout: how long dead letters (memory) or completions (durable) may take to
     * be stored before the journal gets the rest (memory) or they are left to redelivery (durable). */
    shutdown_flush_timeout: positiveDuration.default(5_000),
    queue: queueSchema.prefault({}),
    retry: retrySchema.prefault({}),
    circuit_breaker: circuitBreakerSchema.prefault({}),
    tracking: z.strictObject({ capacity: positiveInt.default(10_000) }).prefault({}),
    dlq: z
      .strictObject({
        retention: positiveDuration.default(720 * 3_600_000),
        purge_interval: positiveDuration.default(3_600_000),
        /** Memory mode: dead letters per database write at most. */
        write_batch: z
          .int({ error: 'expected an integer 1-10000' })
          .min(1, 'expected an integer 1-10000')
          .max(10_000, 'expected an integer 1-10000')
          .default(500),
        /** Memory mode: wait between failed dead-letter writes, doubling from base to max_delay. */
        write_retry: z
          .strictObject({
            base: positiveDuration.default(1_000),
            max_delay: positiveDuration.default(30_000),
          })
          .prefault({}),
      })
      .prefault({}),
    targets: z
      .array(targetSchema, { error: 'expected a list of targets' })
      .superRefine(rejectDuplicateNames, { when: (payload) => Array.isArray(payload.value) })
      .default([]),
    log: z
      .strictObject({
        level: z
          .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
          .default('info'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const { mode, durable } = config.queue;
    // A lease of 0 is derived from the timeouts and always covers them.
    if (mode !== 'durable' || durable.lease === 0) return;
    const leaseIs = 'queue.durable.lease';
    for (const violation of leaseViolations(
      config.targets,
      durable.lease,
      durable.heartbeat,
      leaseIs,
    )) {
      ctx.addIssue({ code: 'custom', path: violation.path, message: violation.message });
    }
  });

export type Config = z.output<typeof configSchema>;
export type RetryConfig = Config['retry'];
