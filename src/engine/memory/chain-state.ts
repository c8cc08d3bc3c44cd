import type { JobStatusStore } from '../../tracking/job-status-store.js';
import type { ChainAdmission, RecordedState, StateOfJob } from '../supersession.js';
import { admitAtHead, admitIntoChain, stateToJudge } from '../supersession.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { NewestStates } from './newest-states.js';
import { stateRecordOf, withDeliveryOf } from './newest-states.js';
import type { Scheduler } from './scheduler.js';

/** What memory mode's latest-state rule reads and changes (docs/alert-state.md). */
export interface ChainState {
  scheduler: Scheduler;
  /** Every configured target's slot: a target without a state of an alert reads the others'. */
  slots: () => Iterable<TargetSlot>;
  newest: NewestStates;
  life: JobLifecycle;
  statusStore: JobStatusStore;
}

/**
 * The latest-state rule for a job coming in: a stale one ends superseded at once; a newest
 * one supersedes the waiting jobs of its chain and is recorded; an overflowed re-send of the
 * newest state leaves the chain and the record as they are (admitIntoChain).
 */
export function applyLatestState(
  chains: ChainState,
  job: ActiveJob,
  slot: TargetSlot,
  overflows: boolean,
  now: number,
): ChainAdmission['kind'] {
  const { fingerprint } = job.alert;
  const { resendAfterMs } = slot.target;
  const admission = admitIntoChain(
    job.alertState,
    stateToJudge(newestOf(chains, slot, fingerprint), () => othersOf(chains, slot, fingerprint)),
    { resendAfterMs, nowMs: now },
    overflows,
  );
  if (admission.kind === 'stale') {
    chains.life.supersede(job, admission.by, now);
    return 'stale';
  }
  if (admission.kind === 'overflow') return 'overflow';
  for (const older of chains.scheduler.takeWaiting(slot, fingerprint)) {
    chains.life.supersede(older, job.id, now);
  }
  chains.newest.record(stateRecordOf(job, now));
  return 'newest';
}

/**
 * The latest-state rule when `delivered` succeeded and `next`, admitted behind it while its
 * attempt was in flight, heads the chain (admitAtHead, docs/alert-state.md, "Unchanged
 * re-sends"): the same state within the target's resend_after ends superseded by `delivered`,
 * and the record goes back to `delivered` so that later re-sends are matched against its
 * delivery. O(1); nothing for a target without resend_after.
 */
export function applyAfterDelivery(
  chains: ChainState,
  delivered: ActiveJob,
  next: ActiveJob,
  now: number,
): void {
  const { resendAfterMs } = next.slot.target;
  if (resendAfterMs === undefined || delivered.completedAt === undefined) return;
  const previous = {
    jobId: delivered.id,
    state: delivered.alertState,
    deliveredAt: delivered.completedAt,
  };
  const decision = admitAtHead(
    { state: next.alertState, isReplay: next.replayOf !== undefined },
    previous,
    { resendAfterMs, nowMs: now },
  );
  if (decision.kind === 'send') return;
  chains.life.supersede(next, decision.by, now);
  // `next` is the chain's newest (a newer admission would have taken it): the record was its.
  chains.newest.record(stateRecordOf(delivered, now));
}

/**
 * The newest state of a chain: its last job (not delivered yet), or the recorded one (sent, or
 * before a restart), with its delivery time when the target has a resend_after.
 */
function newestOf(
  chains: ChainState,
  slot: TargetSlot,
  fingerprint: string,
): RecordedState | undefined {
  const tail = chains.scheduler.newestOf(slot, fingerprint);
  if (tail !== undefined) return { jobId: tail.id, state: tail.alertState };
  const recorded = chains.newest.get(slot.target.name, fingerprint);
  if (recorded === undefined || slot.target.resendAfterMs === undefined) return recorded;
  return withDeliveryOf(recorded, chains.statusStore);
}

/** The newest state of the alert on each other target (its last job, or the recorded one). */
function* othersOf(
  chains: ChainState,
  slot: TargetSlot,
  fingerprint: string,
): Generator<StateOfJob | undefined> {
  for (const other of chains.slots()) {
    if (other === slot) continue;
    const tail = chains.scheduler.newestOf(other, fingerprint);
    yield tail === undefined
      ? chains.newest.get(other.target.name, fingerprint)
      : { jobId: tail.id, state: tail.alertState };
  }
}
