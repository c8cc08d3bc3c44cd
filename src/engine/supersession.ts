import type { AlertState } from '../domain/alert-state.js';
import { compareAlertStates } from '../domain/alert-state.js';

/** A state of an alert for one target, and the job that sent it or is about to. */
export interface StateOfJob {
  jobId: string;
  state: AlertState;
}

/** A recorded newest state, and when its job was delivered if it was (state `succeeded`). */
export interface RecordedState extends StateOfJob {
  /** Completion time of the job's successful delivery; undefined when not delivered or unknown. */
  deliveredAt?: number | undefined;
}

/** The target's `resend_after` (0 or undefined: off) and the admission's time. */
export interface ResendWindow {
  resendAfterMs: number | undefined;
  nowMs: number;
}

export type ChainAdmission =
  /**
   * The job is not sent and ends superseded by `by`: a newer state was already sent or is about
   * to be, or the same state was delivered within the target's resend_after.
   */
  | { kind: 'stale'; by: string }
  /** The job is the newest: the waiting jobs of its chain (older or the same state) end superseded by it. */
  | { kind: 'newest' }
  /**
   * The job repeats the newest state and overflows (beyond its failing target's lane share): it
   * is dead-lettered as `overflow` and changes nothing of the alert's state. It supersedes no
   * waiting job and is not recorded as the newest: the job still waiting within the share,
   * with the same state, is the one the target gets on recovery.
   */
  | { kind: 'overflow' };

/**
 * The latest-state rule at admission, for both queue modes (docs/alert-state.md): for a
 * (target, fingerprint) the target is never sent a state older than the newest it was already
 * sent or is about to be sent. `newest` is that state as recorded when its job was admitted;
 * every job admitted before is older or the same, so a job that is not stale replaces all the
 * waiting jobs of its chain (an attempt already in flight is not cancelled).
 *
 * Unchanged re-sends (docs/alert-state.md): the same state as the newest is not sent again when
 * the job that recorded it was delivered less than `resendAfterMs` ago: Alertmanager re-sends a
 * whole group on every group_interval while it changes, and on every repeat_interval. The
 * record keeps pointing at that delivered job, so the next duplicate is matched too. A state
 * not delivered (waiting, retrying, dead-lettered) or of unknown delivery is sent as before.
 *
 * Overflowed jobs (docs/alert-state.md, "Overflowed jobs"): `overflows` says admission
 * dead-letters the job at once as `overflow` (its target is failing and its share of the lane
 * is full). Such a job is still judged stale first (it would not be sent even with room, and
 * `superseded_by` says why). One of the same state as the newest (an Alertmanager re-send) is
 * `overflow`: it neither supersedes the waiting jobs of its chain nor becomes the newest state,
 * so it cannot take the place of the job still queued within the share. One of a newer state
 * (a resolve, a re-firing) is the newest as if it had room: the older waiting job must not be
 * sent on recovery (a firing delivered after its alert resolved opens an incident nothing
 * closes), and the newer state waits in the DLQ for a replay. Its letter meets the rule again
 * when replayed.
 */
export function admitIntoChain(
  incoming: AlertState,
  newest: RecordedState | undefined,
  window?: ResendWindow,
  overflows = false,
): ChainAdmission {
  // No state recorded: nothing of the alert is known to wait, so an overflowed job records none.
  if (newest === undefined) return overflows ? { kind: 'overflow' } : { kind: 'newest' };
  const order = compareAlertStates(incoming, newest.state);
  if (order < 0) return { kind: 'stale', by: newest.jobId };
  if (order === 0 && window !== undefined && isDeliveredWithin(newest.deliveredAt, window)) {
    return { kind: 'stale', by: newest.jobId };
  }
  return order === 0 && overflows ? { kind: 'overflow' } : { kind: 'newest' };
}

function isDeliveredWithin(deliveredAt: number | undefined, window: ResendWindow): boolean {
  const { resendAfterMs, nowMs } = window;
  if (deliveredAt === undefined || resendAfterMs === undefined || resendAfterMs <= 0) return false;
  return nowMs - deliveredAt < resendAfterMs;
}

/**
 * The state a job is judged against (docs/alert-state.md, "A target without a state of the
 * alert"): the newest of its own (target, fingerprint); when its target holds none (added or
 * enabled again by a reload, or never sent this alert), the newest the alert has on the other
 * configured targets, without its delivery (resend_after is per target). So a late copy of an
 * older state (an Alertmanager HA peer's) does not reach the one target that has not seen the
 * newer state, while a target new to the alert still gets its current state. `others` is only
 * read when the target holds none (a job per admission on the hot path).
 */
export function stateToJudge(
  own: RecordedState | undefined,
  others: () => Iterable<StateOfJob | undefined>,
): RecordedState | undefined {
  if (own !== undefined) return own;
  let newest: StateOfJob | undefined;
  for (const other of others()) {
    if (other === undefined) continue;
    if (newest === undefined || compareAlertStates(other.state, newest.state) > 0) newest = other;
  }
  return newest === undefined ? undefined : { jobId: newest.jobId, state: newest.state };
}

/**
 * The unchanged re-send rule when a job reaches the head of its chain (docs/alert-state.md,
 * "Unchanged re-sends"): a job admitted while the job before it in its chain was in flight was
 * not judged against that job's delivery, which was not known yet. Now it is: the same state,
 * delivered (`previous.deliveredAt`) less than the target's resend_after ago, is not sent again
 * and the job ends superseded by `previous.jobId`, as at admission. A previous job not
 * delivered (failed, dead-lettered, superseded, or of unknown outcome) leaves the job to be
 * sent; so does a newer state. A replay is always sent: a job's row does not keep whether its
 * replay was forced (never skipped, docs/alert-state.md), so no replay is skipped here.
 */
export function admitAtHead(
  incoming: { state: AlertState; isReplay: boolean },
  previous: RecordedState | undefined,
  window: ResendWindow,
): { kind: 'stale'; by: string } | { kind: 'send' } {
  if (
    incoming.isReplay ||
    previous === undefined ||
    compareAlertStates(incoming.state, previous.state) !== 0
  ) {
    return { kind: 'send' };
  }
  return isDeliveredWithin(previous.deliveredAt, window)
    ? { kind: 'stale', by: previous.jobId }
    : { kind: 'send' };
}
