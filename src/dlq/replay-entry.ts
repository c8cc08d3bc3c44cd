import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import { AppError } from '../domain/errors.js';
import type { Target } from '../domain/target.js';
import type { JobRequest, PublishingEngine, SubmitResult } from '../engine/publishing-engine.js';
import type { DlqEntry } from './dlq-entry.js';
import type { DlqRepository } from './dlq-repository.js';
import { newestStatesOfAlerts, type NewestOfAlert } from './newest-alert-state.js';

export interface ReplayDeps {
  repo: DlqRepository;
  engine: Pick<PublishingEngine, 'submit' | 'newestStates' | 'breakerState'>;
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
 * superseded (a newer state of its alert was sent or is about to be, to any configured target:
 * the latest-state rule of docs/alert-state.md; `force` replays anyway) · target_not_configured (missing or disabled;
 * entry untouched) · queue_full / stopping (claim released, retryAfterMs). The target's breaker
 * is not consulted: the operator asked for this letter (bulk replay skips failing targets).
 * ReplayNotRecorded: the job was submitted but recording it failed. Crash safety: the
 * claim is released on any failure of the submit; a claim left by a process that died before
 * recording its job is taken over once the repository's claim lease has passed (see
 * replay-claims.ts).
 */
export async function replayEntry(
  deps: ReplayDeps,
  id: string,
  options: ReplayOptions = {},
): Promise<{ job_id: string }> {
  const entry = await deps.repo.get(id);
  if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
  return replayLoaded(deps, entry, options);
}

/** replayEntry for an entry already read. */
export async function replayLoaded(
  deps: ReplayDeps,
  entry: DlqEntry,
  options: ReplayOptions,
): Promise<{ job_id: string }> {
  const { repo, targets } = deps;
  const { id } = entry;
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
    throw new ReplayNotRecorded(id, jobId, error);
  }
  return { job_id: jobId };
}

/**
 * The replay job was submitted (it will be sent) but recording it on the entry failed; the job
 * carries replayOf, so its outcome records the job id when it finishes.
 */
export class ReplayNotRecorded extends Error {
  readonly jobId: string;

  constructor(id: string, jobId: string, cause: unknown) {
    super(`replay job ${jobId} submitted but not recorded on DLQ entry ${id}`, { cause });
    this.name = 'ReplayNotRecorded';
    this.jobId = jobId;
  }
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

/** 409 `superseded` when a newer state of the entry's alert is known for a configured target. */
async function refuseIfSuperseded(deps: ReplayDeps, entry: DlqEntry): Promise<void> {
  const newer = await newerStateOf(deps, entry);
  if (newer === undefined) return;
  const status = newer.state.status;
  const startsAt = new Date(newer.state.startsAtMs).toISOString();
  throw new AppError(
    'superseded',
    `DLQ entry ${entry.id} is superseded: ${newer.target} was sent or is about to be sent a newer state of this alert (${status}, started ${startsAt}, job ${newer.jobId}); replay with force=true to send it anyway`,
    {
      details: [
        { path: 'newer_state.status', message: status },
        { path: 'newer_state.starts_at', message: startsAt },
        { path: 'newer_state.job_id', message: newer.jobId },
      ],
    },
  );
}

/** The newest state of the entry's alert on any configured target, if newer than the letter. */
async function newerStateOf(deps: ReplayDeps, entry: DlqEntry): Promise<NewestOfAlert | undefined> {
  const newest = (
    await newestStatesOfAlerts(
      deps.engine,
      [{ target: entry.target_name, fingerprint: entry.fingerprint }],
      deps.targets.keys(),
    )
  ).get(entry.fingerprint);
  if (newest === undefined) return undefined;
  const letter = alertStateOf(entry.enriched_alert.alert);
  return compareAlertStates(newest.state, letter) > 0 ? newest : undefined;
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
