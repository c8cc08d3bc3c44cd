import type { Clock, Logger } from '../domain/clock.js';
import type { Metrics } from './metrics.js';

/** The console's charts: 90 buckets of 10 s cover the last 15 minutes. */
export const HISTORY_INTERVAL_MS = 10_000;
export const HISTORY_WINDOW_MS = 15 * 60_000;

/** Attempts that ended in the interval (startMs, endMs]. */
export interface HistoryBucket {
  startMs: number;
  endMs: number;
  deliveries: number;
  /** By failure reason; reasons without failures are absent. */
  failures: Record<string, number>;
}

/**
 * Times are epoch ms; undefined when not seen since this process started. The last success is
 * exact (alert_publisher_last_success_timestamp_seconds); the last failure is the end of the
 * interval in which the sampler saw one. A target test (recordTest) counts too, at its exact
 * time: it is an attempt to the target, though outside the queue and attempts_total.
 */
export interface TargetActivity {
  lastSuccessAt?: number;
  lastFailureAt?: number;
}

export interface AttemptHistoryView {
  readonly intervalMs: number;
  readonly windowMs: number;
  /** Oldest first; at most windowMs / intervalMs buckets. */
  buckets(): HistoryBucket[];
  activity(target: string): TargetActivity;
}

export interface AttemptHistory extends AttemptHistoryView {
  /** Takes one sample now: the counts since the previous sample become a bucket. */
  sample(): Promise<void>;
  /** A target test's outcome, now: it moves the last success or failure, not the buckets. */
  recordTest(target: string, isOk: boolean): void;
  /** Samples every intervalMs on the clock until stop(). */
  start(): void;
  stop(): Promise<void>;
}

export interface AttemptHistoryDeps {
  metrics: Pick<Metrics, 'attempts' | 'lastSuccess'>;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  windowMs?: number;
}

/**
 * A ring buffer of per-interval attempt counts, fed by sampling the counter
 * `alert_publisher_attempts_total` (docs/metrics.md) rather than by hooks in the engine: each
 * sample reads the counter's series, and the increase of each series since the previous
 * sample goes into the new bucket. A series that went down (a reset) counts from zero.
 * Cost: one read of the counter per interval, O(targets × reasons).
 */
export function createAttemptHistory(deps: AttemptHistoryDeps): AttemptHistory {
  const { metrics, clock, logger } = deps;
  const intervalMs = deps.intervalMs ?? HISTORY_INTERVAL_MS;
  const windowMs = deps.windowMs ?? HISTORY_WINDOW_MS;
  const capacity = Math.max(1, Math.floor(windowMs / intervalMs));
  const ring: HistoryBucket[] = [];
  let head = 0;
  const previous = new Map<string, number>();
  const activity = new Map<string, TargetActivity>();
  let sampledAt: number | undefined;
  let loop: Promise<void> | undefined;
  const stopper = new AbortController();

  function activityOf(target: string): TargetActivity {
    let entry = activity.get(target);
    if (entry === undefined) {
      entry = {};
      activity.set(target, entry);
    }
    return entry;
  }

  function push(bucket: HistoryBucket): void {
    if (ring.length < capacity) ring.push(bucket);
    else ring[head] = bucket;
    head = (head + 1) % capacity;
  }

  // Both times only move forward: a test may be newer than the gauge or the sample.
  function moveLast(target: string, key: keyof TargetActivity, atMs: number): void {
    const entry = activityOf(target);
    entry[key] = Math.max(entry[key] ?? atMs, atMs);
  }

  async function readLastSuccess(): Promise<void> {
    for (const { labels, value } of (await metrics.lastSuccess.get()).values) {
      if (labels.target !== undefined)
        moveLast(String(labels.target), 'lastSuccessAt', value * 1000);
    }
  }

  async function sample(): Promise<void> {
    const now = clock.now();
    const series = (await metrics.attempts.get()).values;
    const bucket: HistoryBucket = {
      startMs: sampledAt ?? now - intervalMs,
      endMs: now,
      deliveries: 0,
      failures: {},
    };
    for (const { labels, value } of series) {
      const target = String(labels.target ?? '');
      const outcome = String(labels.outcome ?? '');
      const reason = String(labels.reason ?? '');
      const key = `${target}\u0000${outcome}\u0000${reason}`;
      const before = previous.get(key) ?? 0;
      previous.set(key, value);
      const increase = value >= before ? value - before : value;
      if (increase === 0) continue;
      if (outcome === 'success') bucket.deliveries += increase;
      else {
        bucket.failures[reason] = (bucket.failures[reason] ?? 0) + increase;
        moveLast(target, 'lastFailureAt', now);
      }
    }
    await readLastSuccess();
    // The first sample is the baseline: what it saw happened before the window began.
    if (sampledAt !== undefined) push(bucket);
    sampledAt = now;
  }

  async function run(): Promise<void> {
    for (;;) {
      // Clock.sleep rejects only when its signal aborts, i.e. on stop().
      const slept = await clock.sleep(intervalMs, stopper.signal).then(
        () => true,
        () => false,
      );
      if (!slept) return;
      try {
        await sample();
      } catch (error: unknown) {
        logger.warn({ err: error }, 'attempt history: cannot sample attempts_total');
      }
    }
  }

  return {
    intervalMs,
    windowMs,
    buckets: () => [...ring.slice(head), ...ring.slice(0, head)],
    activity: (target) => ({ ...activity.get(target) }),
    sample,
    recordTest(target, isOk) {
      moveLast(target, isOk ? 'lastSuccessAt' : 'lastFailureAt', clock.now());
    },
    start() {
      loop ??= sample().then(run, (error: unknown) => {
        logger.warn({ err: error }, 'attempt history: cannot take the baseline sample');
        return run();
      });
    },
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
