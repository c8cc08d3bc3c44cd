import type { Db } from '../../db/db.js';
import type { Alert, Classification } from '../../domain/alert.js';
import type { DeadLetter } from '../../domain/dead-letter.js';
import type { Priority } from '../../domain/job.js';
import type { EngineConfig } from '../engine-config.js';
import { WAKE_CHANNEL } from './durable-config.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';
import { adjustJobCounts, readJobCounts } from './job-counts.js';
import { planAdmission } from './plan-admission.js';

export interface NewJob {
  id: string;
  target: string;
  alert: Alert;
  classification?: Classification;
  priority: Priority;
  replayOf?: string;
}

export type AdmitResult =
  { ok: true; overflowed: NewJob[] } | { ok: false; code: 'queue_full'; priority: Priority };

/** Serialises admissions across instances so that "count, then insert" cannot overfill a lane. */
export const ADMISSION_LOCK = 7_243_001;

/**
 * One transaction of a few statements whatever the batch size or backlog: lock, read the active
 * counts per lane and target (a few rows), one `unnest` insert of every job (overflowed ones
 * straight as `dlq`), the counts, their dead letters, and a NOTIFY that wakes idle instances.
 */
export async function admitJobs(
  db: Db,
  jobs: readonly NewJob[],
  settings: Pick<EngineConfig, 'capacity' | 'perTargetShare'>,
  nowMs: number,
  deadLetters: { insert: DeadLetterInsert; letterOf: (job: NewJob, nowMs: number) => DeadLetter },
): Promise<AdmitResult> {
  return db.transaction(async (tx) => {
    // A statement of its own: the counts below must be read in a snapshot after the lock is held.
    await tx.query(`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`);
    const waiting = await readJobCounts(tx);
    const plan = planAdmission(jobs, waiting, settings);
    if (!plan.ok) return { ok: false, code: 'queue_full', priority: plan.priority };
    const overflowIds = new Set(plan.overflowed.map((job) => job.id));
    await insertJobs(tx, jobs, overflowIds, nowMs);
    await adjustJobCounts(
      tx,
      plan.accepted.map((job) => ({ priority: job.priority, target: job.target, delta: 1 })),
    );
    await deadLetters.insert(
      tx,
      plan.overflowed.map((job) => deadLetters.letterOf(job, nowMs)),
    );
    if (plan.accepted.length > 0) await tx.query(`SELECT pg_notify('${WAKE_CHANNEL}', '')`);
    return { ok: true, overflowed: plan.overflowed };
  });
}

async function insertJobs(
  tx: Db,
  jobs: readonly NewJob[],
  overflowIds: ReadonlySet<string>,
  nowMs: number,
): Promise<void> {
  const now = new Date(nowMs).toISOString();
  await tx.query(
    `INSERT INTO publishing_jobs (id, target_name, fingerprint, alertname, alert_status, priority,
       state, alert, classification, replay_of, submitted_at, updated_at, due_at, completed_at,
       error_type, error_reason, error_message, may_wait)
     SELECT u.id, u.target, u.fingerprint, u.alertname, u.alert_status, u.priority, u.state,
       u.alert::json, u.classification::json, u.replay_of, $1, $1, $1,
       CASE WHEN u.state = 'dlq' THEN $1::timestamptz END,
       CASE WHEN u.state = 'dlq' THEN 'transient' END,
       CASE WHEN u.state = 'dlq' THEN 'overflow' END,
       CASE WHEN u.state = 'dlq' THEN 'target exceeds its share of the lane' END,
       -- Behind an earlier job of this request, or of an active one of its chain (the caller
       -- holds the admission lock: no other admission can add one meanwhile).
       u.behind OR EXISTS (SELECT 1 FROM publishing_jobs p
         WHERE p.target_name = u.target AND p.fingerprint = u.fingerprint
           AND p.state IN ('queued', 'processing', 'retrying', 'failed'))
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::uuid[], $12::boolean[])
       WITH ORDINALITY AS u(id, target, fingerprint, alertname, alert_status, priority, state,
         alert, classification, replay_of, behind, n)
     ORDER BY u.n`,
    [
      now,
      jobs.map((j) => j.id),
      jobs.map((j) => j.target),
      jobs.map((j) => j.alert.fingerprint),
      jobs.map((j) => j.alert.labels['alertname'] ?? ''),
      jobs.map((j) => j.alert.status),
      jobs.map((j) => j.priority),
      jobs.map((j) => (overflowIds.has(j.id) ? 'dlq' : 'queued')),
      jobs.map((j) => JSON.stringify(j.alert)),
      jobs.map((j) => (j.classification === undefined ? null : JSON.stringify(j.classification))),
      jobs.map((j) => j.replayOf ?? null),
      behindInRequest(jobs),
    ],
    { name: 'durable_admit' },
  );
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
