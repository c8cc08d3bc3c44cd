import { AppError } from '../domain/errors.js';
import type { DlqRepository } from './dlq-repository.js';
import type { ReplayCursor } from './replay-cursor.js';
import type { ReplayDeps, ReplayOptions } from './replay-entry.js';
import type { BulkReplayStop } from '../domain/bulk-replay-stop.js';
import { replayEntry } from './replay-entry.js';
import { replayMatching } from './replay-matching.js';
import type { DlqEntry, DlqFilter, DlqPage, DlqPageRequest, DlqStats } from './dlq-entry.js';

export interface ReplayMatchingRequest {
  filter: DlqFilter;
  limit: number;
  dryRun: boolean;
  /**
   * Resume after this letter, within the bound of the run that began the series: a previous
   * run's `nextCursor`, decoded (replay-cursor.ts).
   */
  after?: ReplayCursor;
}

export interface ReplayMatchingResult {
  matched: number;
  replayed: number;
  /** Dry run only: what a real run would replay now. */
  wouldReplay?: number;
  skippedSuperseded: number;
  /** Skipped: the target is not configured, or is disabled; `targetsNotConfigured` names them. */
  skippedTargetNotConfigured: number;
  targetsNotConfigured: string[];
  /** Skipped: the target's breaker is not closed; `targetsFailing` names them. */
  skippedTargetFailing: number;
  targetsFailing: string[];
  jobIds: string[];
  /**
   * Why the run stopped early: after replaying some (queue full, stopping, database gone), or
   * having examined the most letters one run may (examined_limit).
   */
  stopped: BulkReplayStop | null;
  /** The run ended before the last matching letter: more may match, run it again. */
  moreMayMatch: boolean;
  /** When more may match: the `after` of the next run (opaque); else null. */
  nextCursor: string | null;
}

/**
 * The DLQ operations; throw AppError (not_found, already_replayed, superseded,
 * target_not_configured, queue_full, unavailable).
 */
export interface DlqOperations {
  list(request: DlqPageRequest): Promise<DlqPage>;
  stats(): Promise<DlqStats>;
  get(id: string): Promise<DlqEntry>;
  remove(id: string): Promise<void>;
  purge(olderThanMs: number): Promise<number>;
  replay(id: string, options?: ReplayOptions): Promise<{ jobId: string }>;
  replayMatching(request: ReplayMatchingRequest): Promise<ReplayMatchingResult>;
}

/**
 * The DLQ functions the routes and the CLI call. Without `replay` deps (the CLI on a bare
 * database has no engine) replays are refused; the CLI sends those to the server instead.
 */
export function createDlqOperations(
  repo: DlqRepository,
  replay: ReplayDeps | undefined,
): DlqOperations {
  const replayDeps = (): ReplayDeps => {
    if (replay === undefined) {
      throw new AppError('unavailable', 'replays need a running server (use --url)');
    }
    return replay;
  };
  return {
    list: (request) => repo.list(request),
    stats: () => repo.stats(),
    async get(id) {
      const entry = await repo.get(id);
      if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
      return entry;
    },
    async remove(id) {
      if (!(await repo.remove(id))) throw new AppError('not_found', `DLQ entry ${id} not found`);
    },
    purge: (olderThanMs) => repo.purge(olderThanMs),
    async replay(id, options) {
      const { job_id: jobId } = await replayEntry(replayDeps(), id, options);
      return { jobId };
    },
    async replayMatching(request) {
      const result = await replayMatching(replayDeps(), request.filter, {
        limit: request.limit,
        dryRun: request.dryRun,
        ...request.after,
      });
      return {
        matched: result.matched,
        replayed: result.replayed,
        ...(result.would_replay === undefined ? {} : { wouldReplay: result.would_replay }),
        skippedSuperseded: result.skipped_superseded,
        skippedTargetNotConfigured: result.skipped_target_not_configured,
        targetsNotConfigured: result.targets_not_configured,
        skippedTargetFailing: result.skipped_target_failing,
        targetsFailing: result.targets_failing,
        jobIds: result.job_ids,
        stopped: result.stopped,
        moreMayMatch: result.more_may_match,
        nextCursor: result.next_cursor,
      };
    },
  };
}
