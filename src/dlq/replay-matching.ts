import { isDatabaseUnavailable } from '../db/database-unavailable.js';
import { AppError } from '../domain/errors.js';
import type { DlqEntry, DlqFilter } from './dlq-entry.js';
import type { ReplayDeps } from './replay-entry.js';
import { MAX_BULK_REPLAY, newerStateOf, replayLoaded, ReplayNotRecorded } from './replay-entry.js';

/** Why a bulk replay stopped before trying every matched letter. */
export const BULK_REPLAY_STOPS = ['queue_full', 'stopping', 'database_unavailable'] as const;
export type BulkReplayStop = (typeof BULK_REPLAY_STOPS)[number];

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

/** Why a bulk replay leaves a letter alone before trying it (superseded is checked apart). */
type TargetSkip = 'target_not_configured' | 'target_failing' | undefined;

function targetSkipOf(deps: ReplayDeps, entry: DlqEntry): TargetSkip {
  if (deps.targets.get(entry.target_name)?.enabled !== true) return 'target_not_configured';
  // Admission counts a half-open target as failing too (it takes one probe at a time).
  if (deps.engine.breakerState(entry.target_name) !== 'closed') return 'target_failing';
  return undefined;
}

/**
 * Replays up to `limit` unreplayed entries matching `filter`, in submission order, one claim
 * each. Entries whose target is gone (`skipped_target_not_configured`, the targets named in
 * `targets_not_configured`), whose target's breaker is not closed (`skipped_target_failing`,
 * `targets_failing`) or that are superseded (`skipped_superseded`) are skipped and counted; so
 * are, uncounted, entries a concurrent replay or delete took. When the queue fills, the engine
 * stops or the database becomes unreachable midway, it returns what was replayed with
 * `stopped` naming why; if nothing was replayed, it throws. `dryRun` only counts what would be
 * replayed (`would_replay`) and skipped.
 */
export async function replayMatching(
  deps: ReplayDeps,
  filter: DlqFilter,
  options: { limit: number; dryRun?: boolean },
): Promise<BulkReplayResult> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_BULK_REPLAY) {
    throw new AppError('invalid_request', `limit must be an integer from 1 to ${MAX_BULK_REPLAY}`, {
      details: [{ path: 'limit', message: `1 to ${MAX_BULK_REPLAY}` }],
    });
  }
  const ids = await deps.repo.unreplayedIds(filter, options.limit);
  const counts = {
    replayed: 0,
    wouldReplay: 0,
    superseded: 0,
    targetGone: 0,
    targetFailing: 0,
  };
  const jobIds: string[] = [];
  const missingTargets = new Set<string>();
  const failingTargets = new Set<string>();
  const skipForTarget = (skip: Exclude<TargetSkip, undefined>, name: string): void => {
    if (skip === 'target_not_configured') {
      counts.targetGone += 1;
      missingTargets.add(name);
    } else {
      counts.targetFailing += 1;
      failingTargets.add(name);
    }
  };
  const finish = (stopped: BulkReplayStop | null): BulkReplayResult => ({
    matched: ids.length,
    replayed: counts.replayed,
    ...(options.dryRun === true ? { would_replay: counts.wouldReplay } : {}),
    skipped_superseded: counts.superseded,
    skipped_target_not_configured: counts.targetGone,
    targets_not_configured: [...missingTargets].sort(),
    skipped_target_failing: counts.targetFailing,
    targets_failing: [...failingTargets].sort(),
    job_ids: jobIds,
    stopped,
  });
  if (options.dryRun === true) {
    for (const id of ids) {
      const entry = await deps.repo.get(id);
      if (entry === undefined) continue;
      const skip = targetSkipOf(deps, entry);
      if (skip !== undefined) skipForTarget(skip, entry.target_name);
      else if ((await newerStateOf(deps, entry)) !== undefined) counts.superseded += 1;
      else counts.wouldReplay += 1;
    }
    return finish(null);
  }
  for (const id of ids) {
    let targetName: string | undefined;
    try {
      const entry = await deps.repo.get(id);
      if (entry === undefined) continue;
      targetName = entry.target_name;
      const skip = targetSkipOf(deps, entry);
      if (skip !== undefined) {
        skipForTarget(skip, entry.target_name);
        continue;
      }
      const { job_id } = await replayLoaded(deps, entry, {});
      jobIds.push(job_id);
      counts.replayed += 1;
    } catch (error: unknown) {
      if (error instanceof ReplayNotRecorded) {
        jobIds.push(error.jobId);
        counts.replayed += 1;
      }
      const stop = stopOf(error);
      if (stop !== undefined) {
        if (counts.replayed === 0) throw error;
        return finish(stop);
      }
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'superseded') counts.superseded += 1;
      else if (error.code === 'target_not_configured' && targetName !== undefined) {
        // The target was removed by a reload between the check and the submit.
        skipForTarget('target_not_configured', targetName);
      } else if (error.code !== 'already_replayed' && error.code !== 'not_found') throw error;
    }
  }
  return finish(null);
}

/** Whether `error` ends a bulk replay early (the letters after it are not tried). */
function stopOf(error: unknown): BulkReplayStop | undefined {
  if (isDatabaseUnavailable(error)) return 'database_unavailable';
  if (!(error instanceof AppError)) return undefined;
  if (error.code === 'queue_full' || error.code === 'stopping') return error.code;
  return error.code === 'unavailable' ? 'database_unavailable' : undefined;
}
