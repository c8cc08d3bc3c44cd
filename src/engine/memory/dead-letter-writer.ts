import { logFailure } from '../../db/database-unavailable.js';
import type { Clock, Logger } from '../../domain/clock.js';
import type { DeadLetter, DeadLetterFallback, DeadLetterSink } from '../../domain/dead-letter.js';
import { sleepUnlessAborted, within } from '../clock-wait.js';

export interface DeadLetterWriterOptions<T> {
  sink: DeadLetterSink;
  fallback: DeadLetterFallback;
  clock: Clock;
  logger: Logger;
  batchSize: number;
  retry: { baseMs: number; maxDelayMs: number };
  /** Called once per item when its letter is stored (sink or fallback). */
  onStored: (items: readonly T[]) => void;
}

/** Where stop() put the letters it could not write in time: the fallback, or nowhere. */
export interface WriterStopReport {
  journaled: number;
  unstored: number;
}

export interface DeadLetterWriter<T> {
  add(item: T): void;
  readonly pending: number;
  /** Writes what is left for at most `flushMs`, then hands the rest to the fallback. */
  stop(flushMs: number): Promise<WriterStopReport>;
}

/**
 * Batches dead letters (everything added in one turn, up to `batchSize` per write) and
 * retries a failed write with doubling backoff on the clock until it succeeds. Items stay
 * pending meanwhile, never dropped.
 */
export function createDeadLetterWriter<T extends { letter: DeadLetter }>(
  options: DeadLetterWriterOptions<T>,
): DeadLetterWriter<T> {
  const { sink, fallback, clock, logger, batchSize, retry, onStored } = options;
  let queue: T[] = [];
  /** The batch the background loop is writing, if any. */
  let writing: T[] | undefined;
  let loop: Promise<void> | undefined;
  let stopping = false;
  /** Set when stop() gave up waiting for the loop and took its batch over. */
  let abandoned = false;
  const backoff = new AbortController();

  async function write(batch: readonly T[]): Promise<'stored' | { error: unknown }> {
    try {
      await sink.write(batch.map((item) => item.letter));
      return 'stored';
    } catch (error: unknown) {
      return { error };
    }
  }

  function take(): T[] {
    const batch = queue.slice(0, batchSize);
    queue = queue.slice(batch.length);
    return batch;
  }

  async function run(): Promise<void> {
    await Promise.resolve(); // let the current turn add its letters: one write, not many
    let failures = 0;
    while (queue.length > 0 && !stopping) {
      const batch = take();
      writing = batch;
      const failed = await write(batch);
      writing = undefined;
      if (abandoned) return;
      if (failed === 'stored') {
        failures = 0;
        onStored(batch);
        continue;
      }
      queue = batch.concat(queue);
      failures += 1;
      const delayMs = Math.min(retry.baseMs * 2 ** (failures - 1), retry.maxDelayMs);
      logFailure(
        logger,
        'warn',
        failed.error,
        { letters: batch.length, pending: queue.length, retry_in_ms: delayMs },
        'dead-letter write failed; will retry',
      );
      await sleepUnlessAborted(clock, delayMs, backoff.signal);
    }
    loop = undefined;
  }

  async function saveToFallback(rest: T[]): Promise<WriterStopReport> {
    try {
      await fallback.save(rest.map((item) => item.letter));
      logger.warn({ letters: rest.length }, 'dead letters saved to the fallback journal');
      onStored(rest);
      return { journaled: rest.length, unstored: 0 };
    } catch (error: unknown) {
      logger.error(
        { err: error, job_ids: rest.map((item) => item.letter.jobId) },
        'dead letters could not be stored anywhere',
      );
      return { journaled: 0, unstored: rest.length };
    }
  }

  return {
    add(item) {
      queue.push(item);
      if (loop === undefined && !stopping) loop = run();
    },
    get pending() {
      return queue.length + (writing?.length ?? 0);
    },
    async stop(flushMs) {
      stopping = true;
      backoff.abort();
      const deadline = clock.now() + flushMs;
      // A write in progress may hang: wait for it within the flush budget only, then take
      // its batch over (if that write succeeds later, the letter is stored twice, not lost).
      if (loop !== undefined) await within(clock, flushMs, loop);
      if (writing !== undefined) {
        abandoned = true;
        queue = writing.concat(queue);
        writing = undefined;
      }
      while (queue.length > 0 && clock.now() < deadline) {
        const batch = take();
        const result = await within(clock, deadline - clock.now(), write(batch));
        if (result === 'stored') {
          onStored(batch);
          continue;
        }
        // Out of time (a late success stores the letters twice, never loses them) or failed.
        queue = batch.concat(queue);
        if (result === undefined) break;
        const pauseMs = Math.min(retry.baseMs, deadline - clock.now());
        if (pauseMs > 0) await clock.sleep(pauseMs);
      }
      if (queue.length === 0) return { journaled: 0, unstored: 0 };
      const rest = queue;
      queue = [];
      return saveToFallback(rest);
    },
  };
}
