import { attemptsFromJson } from '../../domain/attempt-json.js';
import type { Random } from '../../domain/clock.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { JobError } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import type { LetterTarget, Target } from '../../domain/target.js';
import { deadLetterOf as letterOfJob } from '../dead-letter-of.js';
import { circuitOpenError, targetRemovedError } from '../job-errors.js';
import type { FailureContext } from '../outcome-decision.js';
import { decideAfterFailure, jobErrorOf } from '../outcome-decision.js';
import type { Claimed } from './claim-jobs.js';
import { priorityOf } from './job-row.js';
import type { Completion } from './finish-jobs.js';

/**
 * What follows an attempt, as written back to the row: success, or the memory engine's
 * decision (`decideAfterFailure`, docs/how-it-works.md, Retries) on the row's counters, with
 * the newest later job of its (target, fingerprint), if one waits, and its target's health. Stop
 * (`shutdown`) is the dispatcher's to handle before this is asked.
 */
export function completionAfter(
  job: Claimed,
  outcome: PublishOutcome,
  target: Target,
  nowMs: number,
  random: Random,
  context: FailureContext,
): Completion {
  if (outcome.ok) return { kind: 'succeeded', id: job.id };
  const error = jobErrorOf(outcome);
  const state = {
    attempts: job.attempts,
    retries: job.retries,
    submittedAt: job.submitted_at.getTime(),
  };
  const decision = decideAfterFailure(outcome, state, target.retry, nowMs, random, context);
  if (decision.kind === 'dead_letter') {
    return { kind: 'dead', id: job.id, error, letter: deadLetterOf(job, target, error, nowMs) };
  }
  if (decision.kind === 'superseded') {
    return { kind: 'superseded', id: job.id, by: decision.by, error };
  }
  return {
    kind: 'retry',
    id: job.id,
    dueAtMs: decision.dueAt,
    countsRetry: decision.spendsRetry,
    error,
  };
}

/**
 * A job of an open target too old to wait for the probe (docs/how-it-works.md); `lastFailure`:
 * the last failure its breaker counted (Breaker.lastFailure).
 */
export function circuitOpenLetter(
  job: Claimed,
  target: Target,
  lastFailure: JobError | undefined,
  nowMs: number,
): Completion {
  const error = circuitOpenError(target.name, lastFailure);
  return { kind: 'dead', id: job.id, error, letter: deadLetterOf(job, target, error, nowMs) };
}

/** A held job of a target a reload removed: a `target_removed` letter (replayable). */
export function targetRemovedLetter(job: Claimed, target: Target, nowMs: number): Completion {
  const error = targetRemovedError(target.name);
  return { kind: 'dead', id: job.id, error, letter: deadLetterOf(job, target, error, nowMs) };
}

/** An attempt cut short by stop: due again at once, without spending a retry. */
export function retryAfterShutdown(
  job: Claimed,
  failure: Extract<PublishOutcome, { ok: false }>,
  nowMs: number,
): Completion {
  const error = { type: failure.type, reason: failure.reason, message: failure.message };
  return { kind: 'retry', id: job.id, dueAtMs: nowMs, countsRetry: false, error };
}

/** A claimed job that goes back to waiting unattempted (its charged attempt is refunded). */
export function releaseOf(job: Claimed): Completion {
  return { kind: 'release', id: job.id, waitingState: job.attempts <= 1 ? 'queued' : 'retrying' };
}

/** What a dead letter needs of a job's row. */
export type LetterSource = Pick<
  Claimed,
  | 'id'
  | 'alert'
  | 'classification'
  | 'priority'
  | 'retries'
  | 'replay_of'
  | 'submitted_at'
  | 'seq'
  | 'attempt_log'
>;

/**
 * The shared dead letter of a row. The rows read here carry no `last_attempt_at`, so the
 * letter's last retry is the time it is written.
 */
export function deadLetterOf(
  job: LetterSource,
  target: LetterTarget,
  error: JobError,
  nowMs: number,
): DeadLetter {
  const source = {
    id: job.id,
    alert: job.alert,
    classification: job.classification ?? undefined,
    priority: priorityOf(job),
    retries: job.retries,
    lastAttemptAt: nowMs,
    replayOf: job.replay_of ?? undefined,
    submittedAt: job.submitted_at.getTime(),
    seq: job.seq,
    history: attemptsFromJson(job.attempt_log),
  };
  return letterOfJob(source, target, error, nowMs);
}
