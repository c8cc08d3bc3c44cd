import type { Db } from '../../db/db.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { JobError } from '../../domain/job.js';
import type { AdmissionPlan, AdmissionSettings, TargetHealth } from '../admission.js';
import { planAdmission } from '../admission.js';
import { alertStateOf } from '../../domain/alert-state.js';
import { applyLatestState, planLatestState } from './latest-state.js';
import type { JobRow, NewJob } from './job-row.js';
import { WAKE_CHANNEL } from './durable-config.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts, heldCountsOf, readJobCounts } from './job-counts.js';

/** Serialises admissions across instances so that "count, then insert" cannot overfill a lane. */
export const ADMISSION_LOCK = 7_243_001;

/** How the jobs of an admitted batch that overflow become dead letters. */
export interface OverflowLetters {
  insert: DeadLetterInsert;
  errorOf: (job: NewJob) => JobError;
  /** `seq`: the job's place in submission order (publishing_jobs.seq). */
  letterOf: (job: NewJob, seq: number, error: JobError, nowMs: number) => DeadLetter;
}

/** An admitted batch: the plan, the batch's jobs superseded at once, the waiting rows they superseded. */
export type Admitted = Extract<AdmissionPlan<NewJob>, { ok: true }> & {
  stale: ReadonlyMap<string, string>;
  supersededRows: JobRow[];
};

/**
 * One transaction of a few statements whatever the batch size or backlog: lock, read the active
 * counts per lane and target (a few rows), plan (the shared admission of both modes), the
 * latest-state rule (stale jobs of the batch end superseded at once, waiting jobs of a chain
 * with a newer state are superseded, the newest states recorded), one `unnest` insert of every
 * job (overflowed ones straight as `dlq`), the counts, the dead letters, and a NOTIFY that wakes
 * idle instances.
 */
export async function admitJobs(
  db: Db,
  jobs: readonly NewJob[],
  settings: AdmissionSettings,
  health: TargetHealth,
  nowMs: number,
  overflow: OverflowLetters,
): Promise<Admitted | Extract<AdmissionPlan<NewJob>, { ok: false }>> {
  return db.transaction(async (tx) => {
    // A statement of its own: the counts below must be read in a snapshot after the lock is held.
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`);
    const held = heldCountsOf(await readJobCounts(tx));
    const plan = planAdmission(jobs, held, settings, health);
    if (!plan.ok) return plan;
    const latest = await planLatestState(tx, jobs);
    const supersededRows = await applyLatestState(tx, latest, nowMs);
    const overflowed = plan.overflowed.filter((job) => !latest.stale.has(job.id));
    const errors = new Map(overflowed.map((job) => [job.id, overflow.errorOf(job)]));
    const seqs = await insertJobs(tx, jobs, { stale: latest.stale, overflow: errors }, nowMs);
    await adjustJobCounts(tx, [
      ...plan.accepted
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
      overflowed.map((job) =>
        overflow.letterOf(
          job,
          seqs.get(job.id) ?? 0,
          errors.get(job.id) ?? overflow.errorOf(job),
          nowMs,
        ),
      ),
    );
    if (plan.accepted.length > 0) await tx.query(`SELECT pg_notify('${WAKE_CHANNEL}', '')`);
    return { ...plan, stale: latest.stale, supersededRows };
  });
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
       -- Behind an earlier job of this request, or of an active one of its chain (the caller
       -- holds the admission lock: no other admission can add one meanwhile).
       u.behind OR EXISTS (SELECT 1 FROM publishing_jobs p
         WHERE p.target_name = u.target AND p.fingerprint = u.fingerprint
           AND p.state IN ('queued', 'processing', 'retrying', 'failed')),
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
      behindInRequest(jobs),
      jobs.map((j) => ends.overflow.get(j.id)?.reason ?? null),
      jobs.map((j) => ends.overflow.get(j.id)?.message ?? null),
      jobs.map((j) => new Date(alertStateOf(j.alert).startsAtMs).toISOString()),
      jobs.map((j) => ends.stale.get(j.id) ?? null),
    ],
    { name: 'durable_admit' },
  );
  return new Map(result.rows.map((row) => [row.id, row.seq]));
}

/** Per job: does an earlier job of the same request share its (target, fingerprint)? */
function behindInRequest(jobs: readonly NewJob[]): boolean[] {
  const seen = new Set<string>();
  return jobs.map((job) => {
    const key = `${job.target}\u0000${job.alert.fingerprint}`;
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}
