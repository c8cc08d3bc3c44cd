import type { Logger } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import { decodeReplayCursor, type ReplayCursor } from './replay-cursor.js';
import { MAX_BULK_REPLAY, type ReplayDeps } from './replay-entry.js';
import { replayMatching } from './replay-matching.js';

/**
 * Memory mode, at start: replays the unreplayed entries a previous stop dead-lettered with
 * reason `shutdown`, in submission order, so a restart loses nothing; superseded ones are left
 * (a newer state of their alert was sent or is queued). Entries whose attempt the stop cut or
 * saw time out (`possibly_delivered`) are replayed too, and the log says how many: the target
 * may get those twice. The letters of a failing target are sent too: their jobs wait for it.
 * Each round walks past the letters it skips (targets gone, superseded), so every replayable
 * letter is tried; rounds go on while one replays its limit, each after the letters the last
 * one examined and within the first one's bound: a replay cut by a stop again, now a new
 * `shutdown` letter, is not replayed again by this start (docs/api.md, "Bulk replay").
 * Stops early when the queue is full (the rest stay in the DLQ for an operator), a round stopped
 * early, or a round replays nothing (past MAX_EXAMINED_PER_RUN skipped letters: they stay too).
 */
export async function replayShutdownEntries(deps: ReplayDeps, logger: Logger): Promise<number> {
  const possiblyDelivered = (
    await deps.repo.list({
      filter: { reason: 'shutdown', replayed: false, possibly_delivered: true },
      limit: 1,
    })
  ).total;
  let replayed = 0;
  let skippedSuperseded = 0;
  let resume: ReplayCursor | undefined;
  for (;;) {
    let round;
    try {
      // One letter per submit: an idle engine at start begins each before the next arrives,
      // so the target gets them in submission order across priorities (a chunk would be
      // ordered by its lanes, high first). A stop cuts at most a few lanes' worth.
      round = await replayMatching(
        deps,
        { reason: 'shutdown' },
        // A target down at start has its letters sent all the same: their jobs wait for it
        // (docs/how-it-works.md, Retries). Skipping them would leave in the DLQ all but the
        // first few, whose failures open its breaker.
        { limit: MAX_BULK_REPLAY, chunkSize: 1, sendsToFailing: true, ...resume },
      );
    } catch (error: unknown) {
      if (error instanceof AppError && (error.code === 'queue_full' || error.code === 'stopping')) {
        logger.warn({ replayed }, 'queue full: remaining shutdown entries stay in the DLQ');
        break;
      }
      throw error;
    }
    replayed += round.replayed;
    skippedSuperseded += round.skipped_superseded;
    if (round.replayed + round.skipped_superseded < round.matched) {
      logger.warn(
        {
          skipped: round.matched - round.replayed,
          skipped_target_not_configured: round.skipped_target_not_configured,
          targets_not_configured: round.targets_not_configured,
          skipped_target_failing: round.skipped_target_failing,
          targets_failing: round.targets_failing,
          stopped: round.stopped,
        },
        'some shutdown entries were not replayed (target gone or failing, or the run stopped early); they stay in the DLQ',
      );
    }
    const isCut = round.stopped !== null && round.stopped !== 'examined_limit';
    if (isCut || round.replayed === 0 || round.next_cursor === null) break;
    resume = decodeReplayCursor(round.next_cursor);
  }
  if (replayed > 0 || skippedSuperseded > 0) {
    logger.info(
      {
        replayed,
        skipped_superseded: skippedSuperseded,
        possibly_delivered: possiblyDelivered,
      },
      possiblyDelivered > 0
        ? 'replayed entries dead-lettered at the last stop; those possibly delivered may reach their target twice'
        : 'replayed entries dead-lettered at the last stop',
    );
  }
  return replayed;
}
