import type { Db } from '../../db/db.js';
import { alertStateOf } from '../../domain/alert-state.js';
import type { Target } from '../../domain/target.js';
import type { RecordedState } from '../supersession.js';
import { admitAtHead } from '../supersession.js';
import type { Claimed } from './claim-jobs.js';

/** The targets whose claimed jobs read the job before them (ClaimRequest.resendTargets). */
export function resendTargetsOf(targets: ReadonlyMap<string, Target>): string[] {
  return [...targets.values()].filter((t) => t.resendAfterMs !== undefined).map((t) => t.name);
}

/**
 * The latest-state rule at claim for unchanged re-sends (admitAtHead, docs/alert-state.md): a
 * claimed job admitted while the job before it in its chain was in flight (it waited behind
 * it, or its admission read the record before that job's delivery was written) that repeats
 * its state, within its target's resend_after since that job's delivery, ends superseded by
 * it. Job id → the delivered job; only jobs with no newer job waiting (those end superseded by
 * it anyway). Reads only what the claim returned.
 */
export function deliveredRepeats(
  jobs: readonly Claimed[],
  targets: ReadonlyMap<string, Target>,
  nowMs: number,
): Map<string, string> {
  const repeats = new Map<string, string>();
  for (const job of jobs) {
    const { previous_id: id, previous_starts_at: startsAt, previous_status: status } = job;
    if (id === null || startsAt === null || job.newer_id !== null) continue;
    const previous: RecordedState = {
      jobId: id,
      state: {
        startsAtMs: startsAt.getTime(),
        status: status === 'resolved' ? 'resolved' : 'firing',
      },
      deliveredAt: job.previous_delivered_at?.getTime(),
    };
    const resendAfterMs = targets.get(job.target_name)?.resendAfterMs;
    const decision = admitAtHead(
      { state: alertStateOf(job.alert), isReplay: job.replay_of !== null },
      previous,
      { resendAfterMs, nowMs },
    );
    if (decision.kind === 'stale') repeats.set(job.id, decision.by);
  }
  return repeats;
}

/**
 * The recorded newest state of each repeat's chain goes back from the repeat to the delivered
 * job, so that later re-sends are matched against its delivery (admission records the state of
 * the job admitted last: the repeat). A record that moved on to a newer job meanwhile is left.
 * One statement, only when a claim found repeats.
 */
export async function recordDeliveredAgain(
  db: Db,
  jobs: readonly Claimed[],
  repeats: ReadonlyMap<string, string>,
): Promise<void> {
  const of = jobs.filter((job) => repeats.has(job.id));
  if (of.length === 0) return;
  await db.query(
    `UPDATE publishing_alert_states AS a SET job_id = r.delivered
     FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[])
       AS r(target_name, fingerprint, repeat, delivered)
     WHERE a.target_name = r.target_name AND a.fingerprint = r.fingerprint
       AND a.job_id = r.repeat`,
    [
      of.map((job) => job.target_name),
      of.map((job) => job.fingerprint),
      of.map((job) => job.id),
      of.map((job) => repeats.get(job.id) ?? null),
    ],
  );
}
