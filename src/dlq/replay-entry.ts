import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import { AppError } from '../domain/errors.js';
import type { StateOfJob } from '../engine/supersession.js';
import type { Target } from '../domain/target.js';
import type { JobRequest, PublishingEngine, SubmitResult } from '../engine/publishing-engine.js';
import type { DlqEntry, DlqFilter } from './dlq-entry.js';
import type { DlqRepository } from './dlq-repository.js';

export interface ReplayDeps {
  repo: DlqRepository;
  engine: Pick<PublishingEngine, 'submit' | 'newestState'>;
  /** The targets configured now (a replay uses the current config, not the stored one). */
  targets: ReadonlyMap<string, Target>;
}

export const MAX_BULK_REPLAY = 1000;

export interface ReplayOptions {
  /** Replay even when a newer state of the alert was sent or is about to be. */
  force?: boolean;
}

/**
 * Replays one entry as a new job for its target's current configuration.
 * not_found · already_replayed (replayed, or a replay of it is in progress) ·
 * superseded (a newer state of its alert was sent or is about to be: the latest-state rule of
 * docs/alert-state.md; `force` replays anyway) · target_not_configured (missing or disabled;
 * entry untouched) · queue_full / stopping (claim released, retryAfterMs). Crash safety: the
 * claim is released on any failure of the submit; a claim left by a process that died before
 * recording its job is taken over once the repository's claim lease has passed (see
 * replay-claims.ts).
 */
export async function replayEntry(
  deps: ReplayDeps,
  id: string,
  options: ReplayOptions = {},
): Promise<{ job_id: string }> {
  const { repo, targets } = deps;
  const entry = await repo.get(id);
  if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
  if (entry.replay_job_id !== null) throw alreadyReplayed(id);
  const target = targets.get(entry.target_name);
  if (target === undefined || !target.enabled) throw targetGone(entry.target_name);
  if (options.force !== true) await refuseIfSuperseded(deps, entry);

  const claimed = await repo.claimReplay(id);
  if (claimed === undefined) {
    if ((await repo.get(id)) === undefined)
      throw new AppError('not_found', `DLQ entry ${id} not found`);
    throw alreadyReplayed(id);
  }
  const claimedAt = claimed.replayed_at;
  if (claimedAt === null) throw new Error(`claimed DLQ entry ${id} has no replayed_at`);
  const jobId = await submitClaimed(deps, claimed, target.name, claimedAt, options.force === true);
  try {
    await repo.recordReplayJob(id, jobId);
  } catch (error: unknown) {
    // The job exists and carries replayOf: its outcome records the job id when it finishes.
    throw new Error(`replay job ${jobId} submitted but not recorded on DLQ entry ${id}`, {
      cause: error,
    });
  }
  return { job_id: jobId };
}

/** Submits the claimed entry; any failure (refusal or exception) releases the claim. */
async function submitClaimed(
  deps: ReplayDeps,
  claimed: DlqEntry,
  targetName: string,
  claimedAt: string,
  force: boolean,
): Promise<string> {
  const { repo, engine } = deps;
  const { id } = claimed;
  const { alert, classification } = claimed.enriched_alert;
  let submitted: SubmitResult;
  try {
    const request: JobRequest = { alert, target: targetName, replayOf: id };
    if (classification !== undefined) request.classification = classification;
    if (force) request.force = true;
    submitted = await engine.submit([request]);
  } catch (error: unknown) {
    await repo.releaseReplay(id, claimedAt);
    throw new Error(`replay of DLQ entry ${id} failed to submit; claim released`, {
      cause: error,
    });
  }
  if (submitted.ok) {
    const jobId = submitted.jobIds[0];
    if (jobId === undefined) throw new Error('engine accepted a replay but returned no job id');
    return jobId;
  }
  await repo.releaseReplay(id, claimedAt);
  switch (submitted.code) {
    case 'queue_full':
    case 'stopping':
      throw new AppError(submitted.code, `cannot replay now: ${submitted.code}`, {
        retryAfterMs: submitted.retryAfterMs,
      });
    case 'unknown_target':
      throw targetGone(claimed.target_name);
    case 'batch_too_large':
      throw new AppError('batch_too_large', `the ${submitted.priority} lane holds no job`);
    default: {
      const unreachable: never = submitted;
      throw new Error(`unexpected submit result ${JSON.stringify(unreachable)}`);
    }
  }
}

export interface BulkReplayResult {
  matched: number;
  replayed: number;
  /** Letters left alone because a newer state of their alert was sent or is about to be. */
  skipped_superseded: number;
  /** Letters left alone because their target is no longer configured, or is disabled. */
  skipped_target_not_configured: number;
  /** Those letters' targets, each once, sorted. */
  targets_not_configured: string[];
  job_ids: string[];
}

/** 409 `superseded` when a newer state of the entry's alert is known for its target. */
async function refuseIfSuperseded(deps: ReplayDeps, entry: DlqEntry): Promise<void> {
  const newer = await newerStateOf(deps, entry);
  if (newer === undefined) return;
  const status = newer.state.status;
  const startsAt = new Date(newer.state.startsAtMs).toISOString();
  throw new AppError(
    'superseded',
    `DLQ entry ${entry.id} is superseded: ${entry.target_name} was sent or is about to be sent a newer state of this alert (${status}, started ${startsAt}, job ${newer.jobId}); replay with force=true to send it anyway`,
    {
      details: [
        { path: 'newer_state.status', message: status },
        { path: 'newer_state.starts_at', message: startsAt },
        { path: 'newer_state.job_id', message: newer.jobId },
      ],
    },
  );
}

async function newerStateOf(deps: ReplayDeps, entry: DlqEntry): Promise<StateOfJob | undefined> {
  const newest = await deps.engine.newestState(entry.target_name, entry.fingerprint);
  if (newest === undefined) return undefined;
  const letter = alertStateOf(entry.enriched_alert.alert);
  return compareAlertStates(newest.state, letter) > 0 ? newest : undefined;
}

/**
 * Replays up to `limit` unreplayed entries matching `filter`, in submission order, one claim
 * each. Entries whose target is gone (`skipped_target_not_configured`, the targets named in
 * `targets_not_configured`) or that are superseded (`skipped_superseded`) are skipped and
 * counted; so are, uncounted, entries a concurrent replay or delete took. When the queue fills
 * (or the engine stops) midway, it returns what was replayed; if nothing was, it throws.
 * `dryRun` only counts what would be replayed and skipped.
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
  const result: BulkReplayResult = {
    matched: ids.length,
    replayed: 0,
    skipped_superseded: 0,
    skipped_target_not_configured: 0,
    targets_not_configured: [],
    job_ids: [],
  };
  const missingTargets = new Set<string>();
  const skipTargetGone = (name: string): void => {
    result.skipped_target_not_configured += 1;
    missingTargets.add(name);
  };
  const finish = (): BulkReplayResult => ({
    ...result,
    targets_not_configured: [...missingTargets].sort(),
  });
  if (options.dryRun === true) {
    for (const id of ids) {
      const entry = await deps.repo.get(id);
      if (entry === undefined) continue;
      if (deps.targets.get(entry.target_name)?.enabled !== true) skipTargetGone(entry.target_name);
      else if ((await newerStateOf(deps, entry)) !== undefined) result.skipped_superseded += 1;
    }
    return finish();
  }
  for (const id of ids) {
    try {
      const { job_id } = await replayEntry(deps, id);
      result.job_ids.push(job_id);
      result.replayed += 1;
    } catch (error: unknown) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'superseded') {
        result.skipped_superseded += 1;
        continue;
      }
      if (error.code === 'target_not_configured') {
        const name = (await deps.repo.get(id))?.target_name;
        if (name !== undefined) skipTargetGone(name);
        continue;
      }
      if (error.code === 'queue_full' || error.code === 'stopping') {
        if (result.replayed === 0) throw error;
        return finish();
      }
      if (error.code !== 'already_replayed' && error.code !== 'not_found') throw error;
    }
  }
  return finish();
}

function alreadyReplayed(id: string): AppError {
  return new AppError('already_replayed', `DLQ entry ${id} was already replayed`);
}

function targetGone(name: string): AppError {
  return new AppError(
    'target_not_configured',
    `target "${name}" is not configured or is disabled`,
    {
      details: [{ path: 'target_name', message: 'not configured or disabled' }],
    },
  );
}
