import type { Db } from '../../db/db.js';
import { alertName } from '../../domain/alert.js';
import { alertStateOf } from '../../domain/alert-state.js';
import type { StateRow } from '../../history/alert-states-repository.js';
import { stateOfRow, upsertAlertStates } from '../../history/alert-states-repository.js';
import type { AlertStateRecord } from '../alert-state-store.js';
import { chainKey } from '../alert-state-store.js';
import { admitIntoChain } from '../supersession.js';
import type { RecordedState } from '../supersession.js';
import type { NewJob } from './job-row.js';
import type { JobRow } from './job-row.js';
import { SNAPSHOT_COLUMNS } from './job-row.js';

/** The chain of a job: its (target, fingerprint), as one key. */
export const chainKeyOf = (job: NewJob): string =>
  chainKey({ target: job.target, fingerprint: job.alert.fingerprint });

/** What the latest-state rule decides for the jobs of an admission transaction. */
export interface LatestState {
  /** Jobs being admitted that end superseded at once, and the job that supersedes each. */
  stale: Map<string, string>;
  /** Per (target, fingerprint), the job being admitted that becomes the newest state. */
  newest: Map<string, NewJob>;
}

/**
 * The states the jobs are judged against (stateToJudge): per (target, fingerprint) pair of
 * `jobs` the newest state recorded, with when its job was delivered (state `succeeded`) for the
 * pairs whose job has a resend_after (the unchanged re-send rule of docs/alert-state.md; a job
 * purged by retention counts as not delivered); for a pair with none, the newest the alert has
 * on the other targets of `targets`. One statement: a primary-key probe of
 * publishing_alert_states per pair (as readAlertStates, whose comment says why LATERAL), only
 * where it finds nothing one per other target (the newest first: (starts_at, resolved), the
 * order of compareAlertStates; Append under LIMIT 1 stops after the first branch's row), then
 * of publishing_jobs for the own states of pairs with a resend_after.
 */
export async function readRecordedStates(
  tx: Db,
  jobs: readonly NewJob[],
  targets: readonly string[],
): Promise<ReadonlyMap<string, RecordedState>> {
  const keys = new Map<string, { target: string; fingerprint: string; withDelivery: boolean }>();
  for (const job of jobs) {
    const key = chainKeyOf(job);
    const withDelivery = job.resendAfterMs !== undefined || keys.get(key)?.withDelivery === true;
    keys.set(key, { target: job.target, fingerprint: job.alert.fingerprint, withDelivery });
  }
  const found = new Map<string, RecordedState>();
  if (keys.size === 0) return found;
  // Only what the rule compares: the state, its job, and that job's delivery.
  type Row = Pick<StateRow, 'target_name' | 'fingerprint' | 'job_id' | 'starts_at' | 'resolved'>;
  const result = await tx.query<Row & { own: boolean; delivered_at: Date | null }>(
    `SELECT k.target_name, k.fingerprint, s.job_id, s.starts_at, s.resolved, s.own,
       d.completed_at AS delivered_at
     FROM unnest($1::text[], $2::text[], $3::boolean[]) AS k(target_name, fingerprint, with_delivery)
     CROSS JOIN LATERAL (
       (SELECT a.job_id, a.starts_at, a.resolved, true AS own FROM publishing_alert_states AS a
        WHERE a.target_name = k.target_name AND a.fingerprint = k.fingerprint LIMIT 1)
       UNION ALL
       (SELECT a.job_id, a.starts_at, a.resolved, false FROM publishing_alert_states AS a
        WHERE a.target_name = ANY($4::text[]) AND a.target_name <> k.target_name
          AND a.fingerprint = k.fingerprint
        ORDER BY a.starts_at DESC, a.resolved DESC LIMIT 1)
       LIMIT 1) AS s
     LEFT JOIN LATERAL (SELECT p.completed_at FROM publishing_jobs AS p
       WHERE s.own AND k.with_delivery AND p.id = s.job_id AND p.state = 'succeeded' LIMIT 1)
       AS d ON true`,
    [
      [...keys.values()].map((k) => k.target),
      [...keys.values()].map((k) => k.fingerprint),
      [...keys.values()].map((k) => k.withDelivery),
      // One target has no other to read.
      targets.length > 1 ? targets : [],
    ],
    { name: 'durable_recorded_states' },
  );
  for (const row of result.rows) {
    const state = { jobId: row.job_id, state: stateOfRow(row) };
    found.set(
      chainKey({ target: row.target_name, fingerprint: row.fingerprint }),
      // Another target's state comes without its delivery (stateToJudge).
      row.own ? { ...state, deliveredAt: row.delivered_at?.getTime() } : state,
    );
  }
  return found;
}

/**
 * The latest-state rule (docs/alert-state.md) for jobs being admitted, in submission order,
 * under the admission lock: each job is compared with the newest state recorded for its
 * (target, fingerprint) and with the jobs decided before it into `latest` (of its own batch or
 * of an earlier batch in the same transaction), by the rule both queue modes share
 * (admitIntoChain), with its target's resend_after as the job carries it. A later job that
 * replaces an earlier one of `plan` makes that one stale; a job skipped as a re-send of a state
 * delivered within resend_after is stale and leaves the record on the delivered job. A job of
 * `overflowed` (dead-lettered as overflow) that is not stale decides nothing: it makes no
 * earlier job stale and is not the newest, so it supersedes no waiting row and is not recorded.
 */
export function decideLatestState(
  latest: LatestState,
  recorded: ReadonlyMap<string, RecordedState>,
  jobs: readonly NewJob[],
  nowMs: number,
  overflowed: ReadonlySet<NewJob>,
): void {
  for (const job of jobs) {
    if (job.force === true) continue;
    const key = chainKeyOf(job);
    const earlier = latest.newest.get(key);
    const known: RecordedState | undefined =
      earlier === undefined
        ? recorded.get(key)
        : { jobId: earlier.id, state: alertStateOf(earlier.alert) };
    const admission = admitIntoChain(
      alertStateOf(job.alert),
      known,
      { resendAfterMs: job.resendAfterMs, nowMs },
      overflowed.has(job),
    );
    if (admission.kind === 'stale') {
      latest.stale.set(job.id, admission.by);
      continue;
    }
    if (admission.kind === 'overflow') continue;
    if (earlier !== undefined) latest.stale.set(earlier.id, job.id);
    latest.newest.set(key, job);
  }
}

/**
 * Applies the plan once the batch is admitted: the waiting jobs of each chain with a new newest
 * state end superseded by it (jobs in flight keep running), and the newest states are recorded.
 * Returns the rows superseded.
 */
export async function applyLatestState(
  tx: Db,
  plan: LatestState,
  nowMs: number,
): Promise<JobRow[]> {
  const newest = [...plan.newest.values()];
  if (newest.length === 0) return [];
  const now = new Date(nowMs).toISOString();
  const result = await tx.query<JobRow>(
    // Each chain is read through publishing_jobs_chain_idx: its active states are exactly that
    // index's predicate, and OFFSET 0 keeps the waiting-state filter outside, so the planner
    // cannot pick the due index instead. Without statistics it did (every waiting job of the
    // target read per batch: 4.4 ms for 100 alerts with 10 000 queued, against 0.4 ms). The
    // state is checked again on the row updated: a claim may have taken it meanwhile, and the
    // update waits for that claim's lock, then sees the row as it was committed.
    `UPDATE publishing_jobs AS j SET state = 'superseded', superseded_by = w.by,
       completed_at = $4, updated_at = $4
     FROM (SELECT c.id, n.id AS by
       FROM unnest($1::text[], $2::text[], $3::uuid[]) AS n(target_name, fingerprint, id)
       CROSS JOIN LATERAL (SELECT p.id, p.state FROM publishing_jobs AS p
         WHERE p.target_name = n.target_name AND p.fingerprint = n.fingerprint
           AND p.state IN ('queued', 'processing', 'retrying', 'failed') OFFSET 0) AS c
       WHERE c.state IN ('queued', 'retrying') AND c.id <> n.id) AS w
     WHERE j.id = w.id AND j.state IN ('queued', 'retrying')
     RETURNING ${SNAPSHOT_COLUMNS.replaceAll(/(\w+)/g, 'j.$1')}, j.superseded_by`,
    [
      newest.map((job) => job.target),
      newest.map((job) => job.alert.fingerprint),
      newest.map((job) => job.id),
      now,
    ],
    { name: 'durable_supersede' },
  );
  await upsertAlertStates(
    tx,
    newest.map((job) => stateRecordOf(job, nowMs)),
  );
  return result.rows;
}

function stateRecordOf(job: NewJob, nowMs: number): AlertStateRecord {
  return {
    target: job.target,
    fingerprint: job.alert.fingerprint,
    state: alertStateOf(job.alert),
    jobId: job.id,
    alertname: alertName(job.alert),
    labels: job.alert.labels,
    at: nowMs,
  };
}
