import type { Db } from '../../db/db.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { JobError } from '../../domain/job.js';
import type { Priority } from '../../domain/job.js';
import type {
  AdmissionPlan,
  AdmissionSettings,
  HeldCounts,
  OverflowCause,
  TargetHealth,
} from '../admission.js';
import { bump, countsByLane, planAdmission } from '../admission.js';
import { alertStateOf } from '../../domain/alert-state.js';
import type { LatestState } from './latest-state.js';
import {
  applyLatestState,
  chainKeyOf,
  decideLatestState,
  readRecordedStates,
} from './latest-state.js';
import type { JobRow, NewJob } from './job-row.js';
import { ACTIVE_STATES_SQL } from './job-row.js';
import { WAKE_CHANNEL } from './durable-config.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts, heldCountsOf, readJobCounts } from './job-counts.js';

/** Serialises admissions across instances so that "count, then insert" cannot overfill a lane. */
export const ADMISSION_LOCK = 7_243_001;

/** How the jobs of an admitted batch that overflow become dead letters. */
export interface OverflowLetters {
  insert: DeadLetterInsert;
  errorOf: (job: NewJob, cause: OverflowCause) => JobError;
  /** `seq`: the job's place in submission order (publishing_jobs.seq). */
  letterOf: (job: NewJob, seq: number, error: JobError, nowMs: number) => DeadLetter;
}

/** One submit() call's jobs, and what admission knows of the targets when it came. */
export interface AdmissionBatch {
  jobs: readonly NewJob[];
  health: TargetHealth;
  /** The targets configured when it came: one without a state of an alert reads the others'. */
  configured: readonly string[];
}

/** What one transaction decided for its batches. */
export interface GroupAdmission {
  /** Per batch, in order: accepted (some jobs maybe overflowed) or refused whole. */
  plans: AdmissionPlan<NewJob>[];
  /** Jobs of the admitted batches that end superseded at once, and the job that supersedes each. */
  stale: ReadonlyMap<string, string>;
  /** Waiting rows of earlier transactions superseded by the admitted jobs. */
  supersededRows: JobRow[];
}

/**
 * One transaction of a few statements whatever the batch count, batch size or backlog: lock,
 * read the active counts per lane and target (a few rows) and the recorded newest states, then
 * per batch in order the plan (the shared admission of both modes, against the counts plus what
 * the earlier batches of the transaction added) and the latest-state rule (an overflowed job
 * that is not stale takes no part in it); then for every admitted batch together: waiting jobs
 * of a chain with a newer state superseded, the newest states recorded, one `unnest` insert of
 * every job (overflowed ones straight as `dlq`, stale ones as `superseded`, a stale overflowed
 * one too), the counts, the dead letters, and a NOTIFY that wakes idle instances.
 * The outcome per batch is the one consecutive transactions would give, except that a batch is
 * judged before the waiting rows superseded by the earlier batches leave the counts: near a
 * full lane it may be refused (503, retried by its sender) where it would have fitted.
 */
export async function admitBatches(
  db: Db,
  batches: readonly AdmissionBatch[],
  settings: AdmissionSettings,
  nowMs: number,
  overflow: OverflowLetters,
): Promise<GroupAdmission> {
  return db.transaction(async (tx) => {
    // A statement of its own: the counts below must be read in a snapshot after the lock is held.
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`);
    const held = new AddedCounts(heldCountsOf(await readJobCounts(tx)));
    const recorded = await readRecordedStates(
      tx,
      batches.flatMap((batch) => batch.jobs),
      [...new Set(batches.flatMap((batch) => batch.configured))],
    );
    const latest: LatestState = { stale: new Map(), newest: new Map() };
    const admitted: NewJob[] = [];
    const plans = batches.map((batch) => {
      const plan = planAdmission(batch.jobs, held, settings, batch.health);
      if (!plan.ok) return plan;
      decideLatestState(latest, recorded, batch.jobs, nowMs, new Set(plan.overflowed));
      for (const job of plan.accepted) if (!latest.stale.has(job.id)) held.add(job);
      admitted.push(...batch.jobs);
      return plan;
    });
    if (admitted.length === 0) return { plans, stale: latest.stale, supersededRows: [] };
    const supersededRows = await applyLatestState(tx, latest, nowMs);
    const accepted = plans.flatMap((plan) => (plan.ok ? plan.accepted : []));
    /** Overflowed jobs that are not stale: each is stored dead with its letter. */
    const errors = new Map<string, JobError>();
    const letters: Array<{ job: NewJob; error: JobError }> = [];
    for (const plan of plans) {
      if (!plan.ok) continue;
      for (const job of plan.overflowed) {
        if (latest.stale.has(job.id)) continue;
        const error = overflow.errorOf(job, plan.causes.get(job.target) ?? 'failing');
        errors.set(job.id, error);
        letters.push({ job, error });
      }
    }
    const seqs = await insertJobs(tx, admitted, { stale: latest.stale, overflow: errors }, nowMs);
    await adjustJobCounts(tx, [
      ...accepted
        .filter((job) => !latest.stale.has(job.id))
        .map((job) => ({ priority: job.priority, target: job.target, delta: 1 })),
      ...supersededRows.map((row) => ({
        priority: row.priority,
        target: row.target_name,
        delta: -1,
      })),
    ]);
    await overflow.insert(
      tx,
      letters.map(({ job, error }) => overflow.letterOf(job, seqs.get(job.id) ?? 0, error, nowMs)),
    );
    if (accepted.length > 0) await tx.query(`SELECT pg_notify('${WAKE_CHANNEL}', '')`);
    return { plans, stale: latest.stale, supersededRows };
  });
}

/** The counts read under the lock plus the jobs the earlier batches of the transaction add. */
class AddedCounts implements HeldCounts {
  private readonly added = countsByLane();

  constructor(private readonly base: HeldCounts) {}

  add(job: NewJob): void {
    bump(this.added[job.priority], job.target);
  }

  inLane(priority: Priority): number {
    let added = 0;
    for (const count of this.added[priority].values()) added += count;
    return this.base.inLane(priority) + added;
  }

  ofTarget(priority: Priority, target: string): number {
    return this.base.ofTarget(priority, target) + (this.added[priority].get(target) ?? 0);
  }
}

async function insertJobs(
  tx: Db,
  jobs: readonly NewJob[],
  ends: { stale: ReadonlyMap<string, string>; overflow: ReadonlyMap<string, JobError> },
  nowMs: number,
): Promise<Map<string, number>> {
  const now = new Date(nowMs).toISOString();
  const result = await tx.query<{ id: string; seq: number }>(
    `INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname, alert_status, priority,
       state, alert, classification, replay_of, submitted_at, updated_at, due_at, completed_at,
       error_type, error_reason, error_message, may_wait, starts_at, superseded_by)
     SELECT u.id, u.target, u.fingerprint, u.alertname, u.alert_status, u.priority,
       CASE WHEN u.superseded_by IS NOT NULL THEN 'superseded'
         WHEN u.error_reason IS NOT NULL THEN 'dlq' ELSE 'queued' END,
       u.alert::json, u.classification::json, u.replay_of, $1, $1, $1,
       CASE WHEN u.error_reason IS NOT NULL OR u.superseded_by IS NOT NULL
         THEN $1::timestamptz END,
       CASE WHEN u.error_reason IS NOT NULL THEN 'transient' END,
       u.error_reason, u.error_message,
       -- Behind an earlier job of this transaction, or an active one of its chain (the caller
       -- holds the admission lock: no other admission can add one meanwhile).
       u.behind OR EXISTS (SELECT 1 FROM publishing_jobs p
         WHERE p.target_name = u.target AND p.fingerprint = u.fingerprint
           AND p.state IN ${ACTIVE_STATES_SQL}),
       u.starts_at, u.superseded_by
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::uuid[], $11::boolean[], $12::text[], $13::text[],
       $14::timestamptz[], $15::uuid[])
       WITH ORDINALITY AS u(id, target, fingerprint, alertname, alert_status, priority,
         alert, classification, replay_of, behind, error_reason, error_message, starts_at,
         superseded_by, n)
     ORDER BY u.n
     RETURNING id, seq::float8 AS seq`,
    [
      now,
      jobs.map((j) => j.id),
      jobs.map((j) => j.target),
      jobs.map((j) => j.alert.fingerprint),
      jobs.map((j) => j.alert.labels['alertname'] ?? ''),
      jobs.map((j) => j.alert.status),
      jobs.map((j) => j.priority),
      jobs.map((j) => JSON.stringify(j.alert)),
      jobs.map((j) => (j.classification === undefined ? null : JSON.stringify(j.classification))),
      jobs.map((j) => j.replayOf ?? null),
      behindInInsert(jobs),
      jobs.map((j) => ends.overflow.get(j.id)?.reason ?? null),
      jobs.map((j) => ends.overflow.get(j.id)?.message ?? null),
      jobs.map((j) => new Date(alertStateOf(j.alert).startsAtMs).toISOString()),
      jobs.map((j) => ends.stale.get(j.id) ?? null),
    ],
    { name: 'durable_admit' },
  );
  return new Map(result.rows.map((row) => [row.id, row.seq]));
}

/** Per job: does an earlier job of the same insert share its (target, fingerprint)? */
function behindInInsert(jobs: readonly NewJob[]): boolean[] {
  const seen = new Set<string>();
  return jobs.map((job) => {
    const key = chainKeyOf(job);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}
