import { AppError } from '../domain/errors.js';
import type { DlqFilter } from './dlq-entry.js';
import type { BulkReplayStop } from '../domain/bulk-replay-stop.js';
import { emptyTally, idsExamined, replayable, replayChunk, stopOf } from './replay-chunk.js';
import { encodeReplayCursor } from './replay-cursor.js';
import type { ReplayDeps } from './replay-entry.js';
import { MAX_BULK_REPLAY } from './replay-entry.js';
import type { SubmissionCursor, SubmissionRange } from './unreplayed-page.js';

export interface BulkReplayResult {
  /** The matching letters the run looked at, from the oldest on. */
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
  /**
   * Set when the run stopped early: after replaying at least one letter (queue_full, stopping,
   * database_unavailable), or after examining MAX_EXAMINED_PER_RUN letters; else null.
   */
  stopped: BulkReplayStop | null;
  /**
   * Whether the run ended before the last matching letter within its bound: stopped early, or
   * at its limit with a matching unreplayed letter still ahead. More may match: run it again.
   */
  more_may_match: boolean;
  /**
   * When more may match: resumes the next run after the last letter this one examined (its
   * `after`, replay-cursor.ts), so that it does not walk the skipped ones again, within this
   * run's bound. Null when nothing more matches, and when a run given no `after` stopped early
   * in its first chunk (the next run starts from the oldest again, with a bound of its own).
   */
  next_cursor: string | null;
}

/**
 * Letters per newest-state lookup, claim statement, engine submit and record statement
 * (docs/benchmarks.md).
 */
export const REPLAY_CHUNK = 100;

/**
 * The most matching letters one run looks at. Skipped letters do not count toward `limit`, so
 * a run walks past them; a skipped chunk still costs a page query, a read of its rows and the
 * engine's newest-state lookup, and this keeps one request to seconds (~100 chunks) however
 * many skipped letters lie ahead. A run that reaches it stops with `examined_limit` and a
 * `next_cursor`: the next run, given it as `after`, goes on from there (without it, a run walks
 * again from the oldest and never gets past this many skipped letters).
 */
export const MAX_EXAMINED_PER_RUN = 10 * MAX_BULK_REPLAY;

/**
 * Replays up to `limit` unreplayed entries matching `filter`, walking them in submission order
 * (a keyset cursor) in chunks of `chunkSize` (replay-chunk.ts) past the ones it skips, until it
 * has replayed `limit`, reached the last matching letter or examined `maxExamined` (default
 * MAX_EXAMINED_PER_RUN; `stopped: examined_limit`). Entries whose target is gone (`skipped_target_not_configured`,
 * the targets named in `targets_not_configured`), whose target's breaker is not closed
 * (`skipped_target_failing`, `targets_failing`) or that are superseded (`skipped_superseded`)
 * are skipped, counted and do not count toward `limit`; so are, uncounted, entries a concurrent
 * replay or delete took. When the queue fills, the engine stops or the database becomes
 * unreachable midway, it returns what was replayed with `stopped` naming why; if nothing was
 * replayed, it throws. `dryRun` walks the same way, counting what would be replayed
 * (`would_replay`, toward `limit`) and skipped. `after` (a previous run's `next_cursor`, with
 * the same filter) starts the walk after that letter instead of at the oldest; a run that
 * ends before the last matching letter returns where to resume as `next_cursor`: after the
 * last letter it examined, or, when the run was cut within a chunk, before that chunk.
 *
 * The walk ends at `upTo`, the newest unreplayed letter when the run began unless given (a
 * previous run's, carried in its `next_cursor`): a letter dead-lettered during the run, or
 * during a series of runs going on from one another, is not walked, so a replayed job that
 * fails again is not replayed again by the run that sent it (docs/api.md, "Bulk replay"). Such
 * a letter stands after the bound because its job was submitted after the run began: its
 * position starts with the submit time, and ties of one millisecond go by the submit sequence.
 * (In durable mode an instance whose clock runs ahead can write letters that stand past the
 * submits of another's run; a bulk replay there only excludes what its own clock orders after.)
 */
export async function replayMatching(
  deps: ReplayDeps,
  filter: DlqFilter,
  options: {
    limit: number;
    dryRun?: boolean;
    chunkSize?: number;
    maxExamined?: number;
    after?: SubmissionCursor;
    /** The last letter to walk (inclusive); default the newest unreplayed one now. */
    upTo?: SubmissionCursor;
    /** Sends the letters of a target whose breaker is not closed too (ChunkRoom). */
    sendsToFailing?: boolean;
  },
): Promise<BulkReplayResult> {
  const { limit } = options;
  const maxExamined = options.maxExamined ?? MAX_EXAMINED_PER_RUN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_REPLAY) {
    throw new AppError('invalid_request', `limit must be an integer from 1 to ${MAX_BULK_REPLAY}`, {
      details: [{ path: 'limit', message: `1 to ${MAX_BULK_REPLAY}` }],
    });
  }
  const isDryRun = options.dryRun === true;
  const sendsToFailing = options.sendsToFailing === true;
  const size = options.chunkSize ?? REPLAY_CHUNK;
  const tally = emptyTally();
  let matched = 0;
  /** Where the walk resumes: after the last letter examined. */
  let after = options.after;
  const upTo = options.upTo ?? (await deps.repo.newestUnreplayed());
  const range = (): SubmissionRange => ({
    ...(after === undefined ? {} : { after }),
    ...(upTo === undefined ? {} : { upTo }),
  });
  const finish = (stopped: BulkReplayStop | null, moreMayMatch: boolean): BulkReplayResult => ({
    matched,
    replayed: tally.replayed,
    ...(isDryRun ? { would_replay: tally.wouldReplay } : {}),
    skipped_superseded: tally.superseded,
    skipped_target_not_configured: tally.targetGone,
    targets_not_configured: [...tally.missingTargets].sort(),
    skipped_target_failing: tally.targetFailing,
    targets_failing: [...tally.failingTargets].sort(),
    job_ids: tally.jobIds,
    stopped,
    more_may_match: moreMayMatch,
    next_cursor:
      moreMayMatch && after !== undefined ? encodeReplayCursor({ ...range(), after }) : null,
  });
  // Nothing was unreplayed when the run began: it has nothing to walk.
  if (upTo === undefined) return finish(null, false);
  for (;;) {
    const room = limit - (isDryRun ? tally.wouldReplay : tally.replayed);
    if (room <= 0 || matched >= maxExamined) {
      // Stopped at the end of a chunk: more may match only if a letter lies ahead.
      if (!(await isLetterAhead(deps, filter, range()))) return finish(null, false);
      return finish(room <= 0 ? null : 'examined_limit', true);
    }
    const pageSize = Math.min(size, maxExamined - matched);
    let ids: string[] = [];
    try {
      const page = await deps.repo.unreplayedPage(filter, pageSize, range());
      ids = page.ids;
      if (ids.length === 0) return finish(null, false);
      let looked: number;
      if (isDryRun) {
        const entries = await deps.repo.getMany(ids);
        const choice = await replayable(deps, entries, tally, false, { room, sendsToFailing });
        tally.wouldReplay += choice.chosen.length;
        looked = idsExamined(ids, entries, choice.examined);
      } else {
        looked = await replayChunk(deps, ids, tally, { room, sendsToFailing });
      }
      matched += looked;
      after = page.positions[looked - 1] ?? after;
      if (looked < ids.length) return finish(null, true);
      if (ids.length < pageSize) return finish(null, false);
    } catch (error: unknown) {
      const stop = stopOf(error);
      if (stop === undefined || tally.replayed === 0) throw error;
      // The chunk's letters not tried count as matched: `the rest` of docs/api.md. The cursor
      // stays before the chunk, so that a run resuming from it tries them.
      matched += ids.length;
      return finish(stop, true);
    }
  }
}

/**
 * Whether an unreplayed letter matching `filter` lies within `range`: one probe (LIMIT 1) when a
 * run stops at its limit or examined letters on a chunk's end. Superseded letters and those of a
 * target gone or failing count too (they may match: the probe judges none). A database that
 * fails it leaves the question open: more may match.
 */
async function isLetterAhead(
  deps: ReplayDeps,
  filter: DlqFilter,
  range: SubmissionRange,
): Promise<boolean> {
  try {
    return (await deps.repo.unreplayedPage(filter, 1, range)).ids.length > 0;
  } catch (error: unknown) {
    if (stopOf(error) === undefined) throw error;
    return true;
  }
}
