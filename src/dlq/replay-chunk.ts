import { isDatabaseUnavailable } from '../db/database-unavailable.js';
import type { AlertState } from '../domain/alert-state.js';
import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import type { BulkReplayStop } from '../domain/bulk-replay-stop.js';
import { AppError } from '../domain/errors.js';
import type { JobRequest, SubmitResult } from '../engine/publishing-engine.js';
import type { DlqEntry } from './dlq-entry.js';
import { newestStatesOfAlerts } from './newest-alert-state.js';
import type { ReplayDeps } from './replay-entry.js';
import { replayLoaded, ReplayNotRecorded } from './replay-entry.js';

/** What a bulk replay has done so far, added to chunk by chunk. */
export interface ReplayTally {
  replayed: number;
  wouldReplay: number;
  superseded: number;
  targetGone: number;
  targetFailing: number;
  jobIds: string[];
  missingTargets: Set<string>;
  failingTargets: Set<string>;
}

export function emptyTally(): ReplayTally {
  return {
    replayed: 0,
    wouldReplay: 0,
    superseded: 0,
    targetGone: 0,
    targetFailing: 0,
    jobIds: [],
    missingTargets: new Set(),
    failingTargets: new Set(),
  };
}

/**
 * How many letters a chunk may still send, and whether it sends those of a target whose breaker
 * is not closed (the start's replay of shutdown letters does: its jobs wait for the target).
 */
export interface ChunkRoom {
  room: number;
  sendsToFailing?: boolean;
}

/** The entries of a chunk a replay sends, and how many of the chunk's entries it looked at. */
export interface ChunkChoice {
  chosen: DlqEntry[];
  examined: number;
}

/**
 * The entries of a chunk a replay would send now, in order, at most `room` of them; the others
 * it looked at are counted on `tally` as skipped. It stops looking once `room` are chosen, so a
 * run ends at its limit (`examined` says where). `withinRun`: a letter is also superseded by a
 * newer state of its alert sent earlier in the chunk (to any target), as when each letter was submitted before
 * the next was checked (dry runs submit nothing, so they only ask the engine). The engine is
 * asked once for the chunk, for every pair of a letter's alert and its own or a configured
 * target (newest-alert-state.ts).
 */
export async function replayable(
  deps: ReplayDeps,
  entries: readonly DlqEntry[],
  tally: ReplayTally,
  withinRun: boolean,
  { room, sendsToFailing = false }: ChunkRoom,
): Promise<ChunkChoice> {
  const skips = entries.map((entry) => targetSkip(deps, entry, sendsToFailing));
  const newest = await newestStatesOfAlerts(
    deps.engine,
    entries
      .filter((_, index) => skips[index] !== 'gone')
      .map((entry) => ({ target: entry.target_name, fingerprint: entry.fingerprint })),
    deps.targets.keys(),
  );
  const sending = new Map<string, AlertState>();
  const chosen: DlqEntry[] = [];
  let examined = 0;
  for (const [index, entry] of entries.entries()) {
    if (chosen.length >= room) break;
    examined += 1;
    const skip = skips[index];
    if (skip === 'gone') {
      tally.targetGone += 1;
      tally.missingTargets.add(entry.target_name);
      continue;
    }
    const key = entry.fingerprint;
    const letter = alertStateOf(entry.enriched_alert.alert);
    const known = [newest.get(key)?.state, withinRun ? sending.get(key) : undefined];
    // Superseded before failing: such a letter is never sent, whatever its target's breaker.
    if (known.some((state) => state !== undefined && compareAlertStates(state, letter) > 0)) {
      tally.superseded += 1;
      continue;
    }
    if (skip === 'failing') {
      tally.targetFailing += 1;
      tally.failingTargets.add(entry.target_name);
      continue;
    }
    chosen.push(entry);
    if (withinRun) sending.set(key, letter);
  }
  return { chosen, examined };
}

/** Why a letter's target keeps it from a bulk replay now, if it does. */
function targetSkip(
  deps: ReplayDeps,
  entry: DlqEntry,
  sendsToFailing: boolean,
): 'gone' | 'failing' | undefined {
  if (deps.targets.get(entry.target_name)?.enabled !== true) return 'gone';
  // Admission counts a half-open target as failing too (it takes one probe at a time), and
  // would dead-letter the letters again as `overflow` beyond the target's lane share.
  if (!sendsToFailing && deps.engine.breakerState(entry.target_name) !== 'closed') {
    return 'failing';
  }
  return undefined;
}

/**
 * How many of `ids` (in order) a choice over `entries` (the unreplayed ones among them, in the
 * same order) looked at: up to the first entry it did not reach.
 */
export function idsExamined(
  ids: readonly string[],
  entries: readonly DlqEntry[],
  examined: number,
): number {
  const next = entries[examined];
  return next === undefined ? ids.length : ids.indexOf(next.id);
}

/**
 * Replays one chunk, at most `room` of its letters, and returns how many of `ids` it looked
 * at: one newest-state lookup, one claim statement, one engine submit, one statement recording
 * the jobs.
 * Admission is all-or-nothing per submit, so a refused chunk is released and its letters go one
 * at a time, which replays what still fits and stops at the first refusal, as a run did before
 * chunks. Throws what ends the run (stopOf) after counting what was replayed.
 */
export async function replayChunk(
  deps: ReplayDeps,
  ids: readonly string[],
  tally: ReplayTally,
  room: ChunkRoom,
): Promise<number> {
  const { repo, engine } = deps;
  const entries = (await repo.getMany(ids)).filter((entry) => entry.replay_job_id === null);
  const { chosen, examined } = await replayable(deps, entries, tally, true, room);
  const looked = idsExamined(ids, entries, examined);
  if (chosen.length === 0) return looked;
  // Entries a concurrent replay or delete took are not returned, and not counted.
  const claimed = await repo.claimReplays(chosen.map((entry) => entry.id));
  const claimedAt = claimed[0]?.replayed_at;
  if (claimedAt === undefined) return looked;
  if (claimedAt === null) throw new Error('a claimed DLQ entry has no replayed_at');
  const claimedIds = claimed.map((entry) => entry.id);
  let submitted: SubmitResult;
  try {
    submitted = await engine.submit(claimed.map(requestOf));
  } catch (error: unknown) {
    await repo.releaseReplays(claimedIds, claimedAt);
    throw new Error(`replay of ${claimed.length} DLQ entries failed to submit; claims released`, {
      cause: error,
    });
  }
  if (!submitted.ok) {
    await repo.releaseReplays(claimedIds, claimedAt);
    const released = new Set(claimedIds);
    await replayOneByOne(
      deps,
      chosen.filter((entry) => released.has(entry.id)),
      tally,
    );
    return looked;
  }
  const jobs = claimed.map((entry, index) => ({
    id: entry.id,
    jobId: submitted.jobIds[index] ?? '',
  }));
  if (submitted.jobIds.length !== claimed.length) {
    throw new Error(`engine accepted ${claimed.length} replays but returned no job id for some`);
  }
  tally.replayed += jobs.length;
  tally.jobIds.push(...submitted.jobIds);
  try {
    await repo.recordReplayJobs(jobs);
  } catch (error: unknown) {
    // The jobs carry replayOf: each outcome records its job id when it finishes.
    throw new Error(`${jobs.length} replay jobs submitted but not recorded on their DLQ entries`, {
      cause: error,
    });
  }
  return looked;
}

/** Replays `entries` one claim and one submit each; throws what ends the run (stopOf). */
async function replayOneByOne(
  deps: ReplayDeps,
  entries: readonly DlqEntry[],
  tally: ReplayTally,
): Promise<void> {
  for (const entry of entries) {
    try {
      const { job_id } = await replayLoaded(deps, entry, {});
      tally.jobIds.push(job_id);
      tally.replayed += 1;
    } catch (error: unknown) {
      if (error instanceof ReplayNotRecorded) {
        tally.jobIds.push(error.jobId);
        tally.replayed += 1;
      }
      if (stopOf(error) !== undefined || !(error instanceof AppError)) throw error;
      if (error.code === 'superseded') tally.superseded += 1;
      else if (error.code === 'target_not_configured') {
        // The target was removed by a reload between the check and the submit.
        tally.targetGone += 1;
        tally.missingTargets.add(entry.target_name);
      } else if (error.code !== 'already_replayed' && error.code !== 'not_found') throw error;
    }
  }
}

/** Whether `error` ends a bulk replay early (the letters after it are not tried). */
export function stopOf(error: unknown): BulkReplayStop | undefined {
  if (isDatabaseUnavailable(error)) return 'database_unavailable';
  if (!(error instanceof AppError)) return undefined;
  if (error.code === 'queue_full' || error.code === 'stopping') return error.code;
  return error.code === 'unavailable' ? 'database_unavailable' : undefined;
}

function requestOf(entry: DlqEntry): JobRequest {
  const { alert, classification } = entry.enriched_alert;
  const request: JobRequest = { alert, target: entry.target_name, replayOf: entry.id };
  if (classification !== undefined) request.classification = classification;
  return request;
}
