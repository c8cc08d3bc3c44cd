import type { AlertState } from '../domain/alert-state.js';
import { compareAlertStates } from '../domain/alert-state.js';

/** A state of an alert for one target, and the job that sent it or is about to. */
export interface StateOfJob {
  jobId: string;
  state: AlertState;
}

export type ChainAdmission =
  /** A newer state was already sent or is about to be: the job ends superseded by `by`. */
  | { kind: 'stale'; by: string }
  /** The job is the newest: the waiting jobs of its chain (older or the same state) end superseded by it. */
  | { kind: 'newest' };

/**
 * The latest-state rule at admission, for both queue modes (docs/alert-state.md): for a
 * (target, fingerprint) the target is never sent a state older than the newest it was already
 * sent or is about to be sent. `newest` is that state as recorded when its job was admitted;
 * every job admitted before is older or the same, so a job that is not stale replaces all the
 * waiting jobs of its chain (an attempt already in flight is not cancelled).
 */
export function admitIntoChain(
  incoming: AlertState,
  newest: StateOfJob | undefined,
): ChainAdmission {
  if (newest !== undefined && compareAlertStates(incoming, newest.state) < 0) {
    return { kind: 'stale', by: newest.jobId };
  }
  return { kind: 'newest' };
}
