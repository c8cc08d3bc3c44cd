import type { Db } from '../../db/db.js';
import type { ClaimedRow } from './job-row.js';
import { ACTIVE_STATES_SQL, SNAPSHOT_COLUMNS, newerActiveJobSql } from './job-row.js';

export interface ClaimRequest {
  /** The instance (its row in publishing_instances holds the lease). */
  owner: string;
  nowMs: number;
  limit: number;
  /** Targets that may take jobs now and how many each (per-target concurrency, breaker). */
  slots: ReadonlyMap<string, number>;
  maxWaitMs: { medium: number; low: number };
  /**
   * Targets whose last job claimed among aged and high ones was aged: their high jobs go first
   * this time (turns are kept across claims, `urgentTurns`, so a claim of one slot alternates too).
   */
  agedWentLast: ReadonlySet<string>;
  /** Targets with a resend_after: only their jobs read the job before them (`previous_*`). */
  resendTargets?: readonly string[];
}

/**
 * Claim order, lowest first: aged medium/low jobs and high jobs alternate (2, 4, 6… for the
 * kind whose turn it is, 3, 5, 7… for the other), then medium (RANK_MEDIUM), then low
 * (RANK_LOW); ties by due time then submission.
 */
export interface Claimed extends ClaimedRow {
  rank: number;
  /**
   * The newest later active job of its (target, fingerprint), if any: a retry of an older
   * state that a newer job now waits behind is superseded rather than attempted again.
   */
  newer_id: string | null;
  /**
   * The last job attempted before it in its chain, read when its target has a resend_after
   * (ClaimRequest.resendTargets): its state, and its id and completion when it was delivered
   * (docs/alert-state.md, "Unchanged re-sends"). Null otherwise.
   */
  previous_id: string | null;
  previous_starts_at: Date | null;
  previous_status: string | null;
  previous_delivered_at: Date | null;
}

/**
 * The oldest active job of its (target, fingerprint). Only a job admitted behind another of its
 * chain (`may_wait`, migrations/0006) needs the probe of publishing_jobs_chain_idx.
 */
const CHAIN_HEAD = `(NOT j.may_wait OR j.seq = (
  SELECT min(p.seq) FROM publishing_jobs p
  WHERE p.target_name = j.target_name AND p.fingerprint = j.fingerprint
    AND p.state IN ${ACTIVE_STATES_SQL}))`;

/**
 * The last job attempted before a claimed one in its chain, read only for a job of a target with
 * a resend_after ($9): otherwise the condition on `locked` alone is false and PostgreSQL does
 * not run the scan (a one-time filter). The job before it has ended (the claimed job heads its
 * chain), so it is a final row of publishing_jobs_fingerprint_idx, read backwards from the
 * claimed job's seq; jobs never attempted (superseded or overflowed at admission) are passed
 * over. Not only jobs admitted behind another (`may_wait`): an admission reads the recorded
 * state, then inserts, and a delivery committed in between leaves a re-send admitted as the
 * newest state but not waiting (5 of 40 HA pairs against a target answering in 200-500 ms).
 */
const PREVIOUS_ATTEMPTED = `(SELECT p.id, p.state, p.starts_at, p.alert_status, p.completed_at
  FROM publishing_jobs p
  WHERE locked.target_name = ANY($9::text[])
    AND p.fingerprint = locked.fingerprint AND p.seq < locked.seq
    AND p.state IN ('succeeded', 'dlq', 'superseded')
    AND p.target_name = locked.target_name AND p.attempts > 0
  ORDER BY p.seq DESC LIMIT 1)`;

const RANK_MEDIUM = 1_000_000;
const RANK_LOW = 2_000_000;

/** At most a target's slots of one lane's due chain heads, oldest due first. */
function lane(priority: string, dueCondition: string): string {
  return `(SELECT j.id, j.due_at, j.seq FROM publishing_jobs j
    WHERE j.state IN ('queued', 'retrying') AND j.target_name = s.target_name
      AND j.priority = '${priority}' AND ${dueCondition} AND ${CHAIN_HEAD}
    ORDER BY j.due_at, j.seq LIMIT s.slots)`;
}

/** `jobs` (id, due_at, seq) ranked 2, 4, 6… in due order, plus `offset` (0 or 1, SQL). */
function alternating(offset: string, jobs: string): string {
  return `(SELECT r.id, (2 * row_number() OVER (ORDER BY r.due_at, r.seq) + ${offset})::int
    AS rank, r.due_at, r.seq FROM ${jobs} AS r)`;
}

/** 1 when the target's high jobs go first this time ($8: ClaimRequest.agedWentLast). */
const HIGH_FIRST = '(s.target_name = ANY($8::text[]))::int';

/** A lane's jobs at one rank. */
function ranked(rank: number, jobs: string): string {
  return `(SELECT r.id, ${rank} AS rank, r.due_at, r.seq FROM ${jobs} AS r)`;
}

/**
 * One statement. Per target with free slots, the lanes in rank order, each an index range scan
 * (publishing_jobs_due_idx: target, lane, due time) of due chain heads, at most that target's
 * slots ($6/$7 are the aging thresholds, so the ranges are disjoint; a job is aged once due for
 * strictly longer than its lane's max wait, docs/how-it-works.md: one due exactly that long is
 * not, as in the memory scheduler). Aged and high jobs alternate (docs/how-it-works.md, as the memory scheduler does; $8 says whose turn it is per
 * target, so one-slot claims alternate too): a backlog of aged warnings
 * delays a critical alert by one job, not by the whole backlog, and a flood of critical alerts
 * cannot starve an aged warning. Those two are read together (at most twice the slots); the
 * rest is a plain UNION ALL under a LIMIT: Append runs its branches in order and stops once the
 * slots are filled, so lower lanes are not read while a higher one has enough. Then the best `limit` overall, `FOR UPDATE SKIP LOCKED` (concurrent
 * instances never take the same row), owned by the instance, and only while its lease holds
 * (a row swept meanwhile would leave the jobs to the sweep). A row claimed meanwhile by another
 * instance fails the re-checked `state` and is skipped. The targets come through
 * publishing_claim_targets (migrations/0010) so that the statement is planned once per
 * connection, not on every claim.
 */
export const CLAIM_SQL = `
WITH candidates AS (
  SELECT c.id, c.rank, c.due_at, c.seq
  FROM publishing_claim_targets($4::text[], $5::int[]) AS s(target_name, slots)
  CROSS JOIN LATERAL (
    (SELECT * FROM (
      ${alternating(
        HIGH_FIRST,
        `(SELECT * FROM (${lane('medium', 'j.due_at < $6')}
          UNION ALL ${lane('low', 'j.due_at < $7')}) AS aged ORDER BY due_at, seq LIMIT s.slots)`,
      )}
      UNION ALL ${alternating(`1 - ${HIGH_FIRST}`, lane('high', 'j.due_at <= $1'))}
    ) AS urgent ORDER BY rank LIMIT s.slots)
    UNION ALL ${ranked(RANK_MEDIUM, lane('medium', 'j.due_at >= $6 AND j.due_at <= $1'))}
    UNION ALL ${ranked(RANK_LOW, lane('low', 'j.due_at >= $7 AND j.due_at <= $1'))}
    LIMIT s.slots
  ) AS c
), picked AS (
  SELECT id, rank FROM candidates
  WHERE EXISTS (SELECT 1 FROM publishing_instances i WHERE i.id = $2 AND i.lease_expires_at > $1)
  ORDER BY rank, due_at, seq LIMIT $3
), locked AS (
  SELECT j.id, picked.rank, j.target_name, j.fingerprint, j.seq
  FROM publishing_jobs j JOIN picked USING (id)
  WHERE j.state IN ('queued', 'retrying')
  FOR UPDATE OF j SKIP LOCKED
)
UPDATE publishing_jobs AS u SET state = 'processing', lease_owner = $2,
  attempts = u.attempts + 1, last_attempt_at = $1, started_at = coalesce(u.started_at, $1),
  updated_at = $1
FROM locked LEFT JOIN LATERAL ${PREVIOUS_ATTEMPTED} AS prev ON true WHERE u.id = locked.id
RETURNING ${SNAPSHOT_COLUMNS.replaceAll(/(\w+)/g, 'u.$1')}, u.alert, u.classification,
  u.attempt_log, u.is_retry_counted, locked.rank, u.seq::float8 AS seq,
  ${newerActiveJobSql('u')} AS newer_id,
  CASE WHEN prev.state = 'succeeded' THEN prev.id END AS previous_id,
  prev.starts_at AS previous_starts_at, prev.alert_status AS previous_status,
  CASE WHEN prev.state = 'succeeded' THEN prev.completed_at END AS previous_delivered_at`;

export async function claimJobs(db: Db, request: ClaimRequest): Promise<Claimed[]> {
  const targets = [...request.slots].filter(([, slots]) => slots > 0);
  if (targets.length === 0 || request.limit <= 0) return [];
  const at = (ms: number): string => new Date(ms).toISOString();
  const result = await db.query<Claimed>(
    CLAIM_SQL,
    [
      at(request.nowMs),
      request.owner,
      request.limit,
      targets.map(([name]) => name),
      // A target never gives more candidates than the claim can take.
      targets.map(([, slots]) => Math.min(slots, request.limit)),
      at(request.nowMs - request.maxWaitMs.medium),
      at(request.nowMs - request.maxWaitMs.low),
      [...request.agedWentLast],
      request.resendTargets ?? [],
    ],
    { name: 'durable_claim' },
  );
  return result.rows.sort(
    (a, b) => a.rank - b.rank || a.due_at.getTime() - b.due_at.getTime() || a.seq - b.seq,
  );
}

/**
 * The turns after a claim (memory mode's scheduler keeps the same one): per target claimed,
 * whether its last job among the aged and high ones was aged; a target that claimed none of
 * those (nothing aged) starts over with the aged first. Targets not claimed keep their turn.
 */
export function urgentTurns(agedWentLast: Set<string>, claimed: readonly Claimed[]): void {
  // `claimed` is in claim order: the last urgent job of a target is its latest.
  const targets = new Set<string>();
  const lastUrgent = new Map<string, Claimed>();
  for (const job of claimed) {
    targets.add(job.target_name);
    if (job.rank < RANK_MEDIUM) lastUrgent.set(job.target_name, job);
  }
  for (const target of targets) {
    const job = lastUrgent.get(target);
    if (job !== undefined && job.priority !== 'high') agedWentLast.add(target);
    else agedWentLast.delete(target);
  }
}
