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
  | { kind: 'newest' };

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
 */
export function admitIntoChain(
  incoming: AlertState,
  newest: RecordedState | undefined,
  window?: ResendWindow,
): ChainAdmission {
  if (newest === undefined) return { kind: 'newest' };
  const order = compareAlertStates(incoming, newest.state);
  if (order < 0) return { kind: 'stale', by: newest.jobId };
  if (order === 0 && window !== undefined && isDeliveredWithin(newest.deliveredAt, window)) {
    return { kind: 'stale', by: newest.jobId };
  }
  return { kind: 'newest' };
}

function isDeliveredWithin(deliveredAt: number | undefined, window: ResendWindow): boolean {
  const { resendAfterMs, nowMs } = window;
  if (deliveredAt === undefined || resendAfterMs === undefined || resendAfterMs <= 0) return false;
  return nowMs - deliveredAt < resendAfterMs;
}
