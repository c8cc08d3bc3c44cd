import type { Db } from '../../db/db.js';
import { isDatabaseUnavailable } from '../../db/database-unavailable.js';
import type { Clock } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import type { Target } from '../../domain/target.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Breakers } from '../breakers.js';
import type { LetterJob } from '../dead-letter-of.js';
import { deadLetterOf } from '../dead-letter-of.js';
import type { EngineConfig } from '../engine-config.js';
import { overflowError } from '../job-errors.js';
import type { JobReport } from '../job-report.js';
import type { JobRequest, SubmitResult } from '../publishing-engine.js';
import { countSubmissions, prepareJobs, refusalOf } from '../submission.js';
import type { NewJob } from './job-row.js';
import type { AdmissionBatch, OverflowLetters } from './admit-jobs.js';
import { admitBatches } from './admit-jobs.js';
import { createAdmissionGroup } from './admission-group.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { rowOfNewJob } from './job-row.js';
import { reportDeadRow, reportSupersededRow } from './report-completions.js';

export interface SubmitDeps {
  db: Db;
  clock: Clock;
  metrics: Metrics;
  /** Read per submit(): a reload replaces both. */
  config: () => EngineConfig;
  targets: () => ReadonlyMap<string, Target>;
  breakers: Breakers;
  /** Paced by its rate limit or 429 throttling (TargetHealth.isThrottled). */
  isThrottled: (target: string) => boolean;
  report: JobReport;
  insertDeadLetters: DeadLetterInsert;
  newId: () => string;
}

/** Most jobs one admission transaction takes from the batches waiting for it. */
const GROUP_MAX_JOBS = 2_000;

/** A submit() call's batch, with the targets it was checked against. */
interface SubmitBatch extends AdmissionBatch {
  targets: ReadonlyMap<string, Target>;
}

export interface JobSubmitter {
  submit(requests: readonly JobRequest[]): Promise<SubmitResult>;
  /** Resolves once every batch submitted so far is committed or refused (a reload waits). */
  idle(): Promise<void>;
}

/**
 * submit() of durable mode: the shared front and admission plan, committed with the jobs in
 * one transaction (admitBatches, with the other batches that arrived meanwhile: see
 * createAdmissionGroup) before the caller answers 2xx. A database that cannot be reached is a
 * 503 for every batch of the transaction (`unavailable`), never an accepted batch that was not
 * stored. A batch's overflow letters use the targets it was checked against, so a reload while
 * it waits cannot fail the transaction.
 */
export function createJobSubmitter(deps: SubmitDeps): JobSubmitter {
  const { clock } = deps;
  const group = createAdmissionGroup(async (batches: SubmitBatch[]) => {
    const now = clock.now();
    const config = deps.config();
    const overflow: OverflowLetters = {
      insert: deps.insertDeadLetters,
      errorOf: (job, cause) => overflowError(job.target, job.priority, cause),
      letterOf: (job, seq, error, nowMs) =>
        deadLetterOf(letterSource(job, seq, nowMs), targetOf(batches, job.target), error, nowMs),
    };
    let admitted;
    try {
      admitted = await admitBatches(deps.db, batches, config, now, overflow);
    } catch (error: unknown) {
      if (!isDatabaseUnavailable(error)) throw error;
      throw new AppError('unavailable', 'the job database is unreachable', {
        cause: error,
        retryAfterMs: config.admissionRetryAfterMs,
      });
    }
    for (const row of admitted.supersededRows) reportSupersededRow(deps.report, row, now);
    return admitted.plans.map((plan) => ({ plan, stale: admitted.stale, now }));
  }, GROUP_MAX_JOBS);

  async function submit(requests: readonly JobRequest[]): Promise<SubmitResult> {
    const config = deps.config();
    const targets = deps.targets();
    const prepared = prepareJobs(requests, (name) => targets.has(name));
    if (!Array.isArray(prepared)) return prepared;
    if (prepared.length === 0) return { ok: true, jobIds: [] };
    const jobs = prepared.map(({ request, priority }): NewJob => {
      const job: NewJob = {
        id: deps.newId(),
        target: request.target,
        alert: request.alert,
        priority,
      };
      if (request.classification !== undefined) job.classification = request.classification;
      if (request.replayOf !== undefined) job.replayOf = request.replayOf;
      if (request.force === true) job.force = true;
      const resendAfterMs = targets.get(request.target)?.resendAfterMs;
      if (resendAfterMs !== undefined) job.resendAfterMs = resendAfterMs;
      return job;
    });
    const enabledCount = targets.size;
    const submittedAt = clock.now();
    const health = {
      isFailing: (target: string) => deps.breakers.state(target, submittedAt) !== 'closed',
      isThrottled: deps.isThrottled,
      enabledCount,
    };
    const { plan, stale, now } = await group.admit({
      jobs,
      health,
      targets,
      configured: [...targets.keys()],
    });
    if (!plan.ok) {
      countSubmissions(deps.metrics, prepared, 'rejected');
      return refusalOf(plan, config.admissionRetryAfterMs);
    }
    countSubmissions(deps.metrics, prepared, 'accepted');
    deps.report.submitted(jobs.length);
    for (const job of plan.overflowed) {
      if (stale.has(job.id)) continue;
      reportDeadRow(
        deps.report,
        rowOfNewJob(job, now),
        overflowError(job.target, job.priority, plan.causes.get(job.target) ?? 'failing'),
        now,
      );
    }
    for (const job of jobs) {
      const by = stale.get(job.id);
      if (by !== undefined)
        reportSupersededRow(deps.report, { ...rowOfNewJob(job, now), superseded_by: by }, now);
    }
    return { ok: true, jobIds: jobs.map((job) => job.id) };
  }

  return { submit, idle: group.idle };
}

function letterSource(job: NewJob, seq: number, nowMs: number): LetterJob {
  return {
    submittedAt: nowMs,
    seq,
    history: [],
    id: job.id,
    alert: job.alert,
    classification: job.classification,
    priority: job.priority,
    retries: 0,
    replayOf: job.replayOf,
  };
}

/** The target a job of `batches` was checked against (a reload may have removed it since). */
function targetOf(batches: readonly SubmitBatch[], name: string): Target {
  for (const batch of batches) {
    const target = batch.targets.get(name);
    if (target !== undefined) return target;
  }
  throw new Error(`overflow of unconfigured target ${name}`);
}
