import { logFailure } from '../db/database-unavailable.js';
import type { Clock, Logger } from '../domain/clock.js';
import type { AlertStateStore } from '../engine/alert-state-store.js';
import type { DlqRepository } from './dlq-repository.js';

export const DEFAULT_RETENTION_MS = 720 * 3_600_000;
export const DEFAULT_PURGE_INTERVAL_MS = 3_600_000;

export interface RetentionMetrics {
  purged(count: number): void;
}

export interface RetentionTask {
  start(): void;
  /** Resolves once the loop has exited (a purge in progress finishes first). */
  stop(): Promise<void>;
}

/**
 * Purges entries older than `retentionMs` at start and then every `intervalMs` of the
 * injected clock, and frees replay claims whose process died before submitting (so bulk and
 * start-up replays see those entries again). A failure is logged and tried at the next tick.
 */
export function createRetentionTask(options: {
  clock: Clock;
  repo: Pick<DlqRepository, 'purge' | 'releaseStaleClaims'>;
  /** The newest alert states share the DLQ's retention (docs/alert-state.md). */
  alertStates?: Pick<AlertStateStore, 'purge'>;
  logger: Logger;
  retentionMs?: number;
  intervalMs?: number;
  metrics?: RetentionMetrics;
}): RetentionTask {
  const { clock, repo, logger, metrics } = options;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;

  async function purgeOnce(): Promise<void> {
    try {
      const deleted = await repo.purge(retentionMs);
      metrics?.purged(deleted);
      if (deleted > 0) logger.info({ deleted, retentionMs }, 'DLQ retention purge');
      const states = (await options.alertStates?.purge(clock.now() - retentionMs)) ?? 0;
      if (states > 0) logger.info({ states, retentionMs }, 'alert states past retention purged');
      const released = await repo.releaseStaleClaims();
      if (released > 0) {
        logger.warn({ released }, 'released DLQ replay claims whose replay was never submitted');
      }
    } catch (error: unknown) {
      logFailure(
        logger,
        'warn',
        error,
        {},
        'DLQ retention purge failed; retrying at the next interval',
      );
    }
  }

  async function loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await purgeOnce();
      try {
        await clock.sleep(intervalMs, signal);
      } catch (error: unknown) {
        if (signal.aborted) return;
        throw error;
      }
    }
  }

  return {
    start() {
      if (running !== undefined) return;
      controller = new AbortController();
      running = loop(controller.signal);
    },
    async stop() {
      controller?.abort();
      await running;
      running = undefined;
    },
  };
}
