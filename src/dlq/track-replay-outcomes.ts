import { logFailure } from '../db/database-unavailable.js';
import type { Logger } from '../domain/clock.js';
import type { PublishingEngine } from '../engine/publishing-engine.js';
import type { DlqRepository } from './dlq-repository.js';

export interface ReplayOutcomeTracker {
  /** Resolves once every outcome write started so far has settled (call before closing the db). */
  idle(): Promise<void>;
}

/**
 * Records each replay job's outcome on the entry it replays: `succeeded`, `failed` when it
 * was dead-lettered again (its new entry's replay_of names the old one), or `superseded` when a
 * newer state of its alert replaced it before delivery. A failed update is
 * logged: the outcome column is informational and the job itself is already final.
 */
export function trackReplayOutcomes(
  engine: Pick<PublishingEngine, 'onJobFinished'>,
  repo: Pick<DlqRepository, 'recordReplayOutcome'>,
  logger: Logger,
): ReplayOutcomeTracker {
  const inFlight = new Set<Promise<void>>();
  engine.onJobFinished((job) => {
    const entryId = job.replayOf;
    if (entryId === undefined) return;
    const result = job.state === 'succeeded' || job.state === 'superseded' ? job.state : 'failed';
    const write = repo.recordReplayOutcome(entryId, job.id, result).then(
      (found) => {
        if (!found) {
          logger.info(
            { entryId, jobId: job.id },
            'replayed DLQ entry no longer exists or was replayed again',
          );
        }
      },
      (error: unknown) => {
        logFailure(
          logger,
          'warn',
          error,
          { entryId, jobId: job.id },
          'cannot record replay outcome',
        );
      },
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  });
  return {
    async idle() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
