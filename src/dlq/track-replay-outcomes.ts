import type { Logger } from '../domain/clock.js';
import type { PublishingEngine } from '../queue/publishing-engine.js';
import type { DlqRepository } from './dlq-repository.js';

/**
 * Records each replay job's outcome on the entry it replays: `succeeded`, or `failed` when it
 * was dead-lettered again (its new entry's replay_of names the old one). A failed update is
 * logged: the outcome column is informational and the job itself is already final.
 */
export function trackReplayOutcomes(
  engine: Pick<PublishingEngine, 'onJobFinished'>,
  repo: DlqRepository,
  logger: Logger,
): void {
  engine.onJobFinished((job) => {
    const entryId = job.replayOf;
    if (entryId === undefined) return;
    const result = job.state === 'succeeded' ? 'succeeded' : 'failed';
    repo.recordReplayOutcome(entryId, result).then(
      (found) => {
        if (!found) logger.info({ entryId, jobId: job.id }, 'replayed DLQ entry no longer exists');
      },
      (error: unknown) => {
        logger.warn({ err: error, entryId, jobId: job.id }, 'cannot record replay outcome');
      },
    );
  });
}
