import type { Logger } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import { MAX_BULK_REPLAY, replayMatching, type ReplayDeps } from './replay-entry.js';

/**
 * Memory mode, at start: replays the unreplayed entries a previous stop dead-lettered with
 * reason `shutdown`, oldest first, so a restart loses nothing. Stops early when the queue is
 * full (the rest stay in the DLQ for an operator) or a round replays nothing (targets gone).
 */
export async function replayShutdownEntries(deps: ReplayDeps, logger: Logger): Promise<number> {
  let replayed = 0;
  for (;;) {
    let round;
    try {
      round = await replayMatching(deps, { reason: 'shutdown' }, { limit: MAX_BULK_REPLAY });
    } catch (error: unknown) {
      if (error instanceof AppError && (error.code === 'queue_full' || error.code === 'stopping')) {
        logger.warn({ replayed }, 'queue full: remaining shutdown entries stay in the DLQ');
        break;
      }
      throw error;
    }
    replayed += round.replayed;
    if (round.replayed < round.matched) {
      logger.warn(
        { skipped: round.matched - round.replayed },
        'some shutdown entries were not replayed (target gone or queue full); they stay in the DLQ',
      );
    }
    if (round.replayed === 0 || round.matched < MAX_BULK_REPLAY) break;
  }
  if (replayed > 0) logger.info({ replayed }, 'replayed entries dead-lettered at the last stop');
  return replayed;
}
