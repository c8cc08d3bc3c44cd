import { AppError } from '../domain/errors.js';
import type { DlqFilter } from './dlq-entry.js';
import type { BulkReplayStop } from '../domain/bulk-replay-stop.js';
import { emptyTally, replayable, replayChunk, stopOf } from './replay-chunk.js';
import type { ReplayDeps } from './replay-entry.js';
import { MAX_BULK_REPLAY } from './replay-entry.js';

export interface BulkReplayResult {
  matched: number;
  replayed: number;
  /** Dry run only: what a real run would replay now (matched minus the skipped). */
  would_replay?: number;
  /** Letters left alone because a newer state of their alert was sent or is about to be. */
  skipped_superseded: number;
  /** Letters left alone because their target is no longer configured, or is disabled. */
  skipped_target_not_configured: number;
  /** Those letters' targets, each once, sorted. */
  targets_not_configured: string[];
  /**
   * Letters left alone because their target's breaker is not closed: admission would
   * dead-letter them again as `overflow` beyond the target's lane share.
   */
  skipped_target_failing: number;
  /** Those letters' targets, each once, sorted. */
  targets_failing: string[];
  job_ids: string[];
  /** Set when the run stopped early, after replaying at least one letter; else null. */
  stopped: BulkReplayStop | null;
}

/** Letters per claim statement, engine submit and record statement (docs/benchmarks.md). */
export const REPLAY_CHUNK = 100;

/**
 * Replays up to `limit` unreplayed entries matching `filter`, in submission order, in chunks of
 * `chunkSize` (replay-chunk.ts). Entries whose target is gone (`skipped_target_not_configured`,
 * the targets named in `targets_not_configured`), whose target's breaker is not closed
 * (`skipped_target_failing`, `targets_failing`) or that are superseded (`skipped_superseded`)
 * are skipped and counted; so are, uncounted, entries a concurrent replay or delete took. When
 * the queue fills, the engine stops or the database becomes unreachable midway, it returns what
 * was replayed with `stopped` naming why; if nothing was replayed, it throws. `dryRun` only
 * counts what would be replayed (`would_replay`) and skipped.
 */
export async function replayMatching(
  deps: ReplayDeps,
  filter: DlqFilter,
  options: { limit: number; dryRun?: boolean; chunkSize?: number },
): Promise<BulkReplayResult> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_BULK_REPLAY) {
    throw new AppError('invalid_request', `limit must be an integer from 1 to ${MAX_BULK_REPLAY}`, {
      details: [{ path: 'limit', message: `1 to ${MAX_BULK_REPLAY}` }],
    });
  }
  const ids = await deps.repo.unreplayedIds(filter, options.limit);
  const tally = emptyTally();
  const finish = (stopped: BulkReplayStop | null): BulkReplayResult => ({
    matched: ids.length,
    replayed: tally.replayed,
    ...(options.dryRun === true ? { would_replay: tally.wouldReplay } : {}),
    skipped_superseded: tally.superseded,
    skipped_target_not_configured: tally.targetGone,
    targets_not_configured: [...tally.missingTargets].sort(),
    skipped_target_failing: tally.targetFailing,
    targets_failing: [...tally.failingTargets].sort(),
    job_ids: tally.jobIds,
    stopped,
  });
  const size = options.chunkSize ?? REPLAY_CHUNK;
  for (let start = 0; start < ids.length; start += size) {
    const chunk = ids.slice(start, start + size);
    if (options.dryRun === true) {
      const entries = await deps.repo.getMany(chunk);
      tally.wouldReplay += (await replayable(deps, entries, tally, false)).length;
      continue;
    }
    try {
      await replayChunk(deps, chunk, tally);
    } catch (error: unknown) {
      const stop = stopOf(error);
      if (stop === undefined || tally.replayed === 0) throw error;
      return finish(stop);
    }
  }
  return finish(null);
}
