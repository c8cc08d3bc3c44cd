import { circuitOpenError } from '../job-errors.js';
import type { BreakerState } from '../publishing-engine.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import type { JobLifecycle } from './job-lifecycle.js';
import { MinHeap } from './min-heap.js';
import type { Scheduler } from './scheduler.js';

/** A ready job of a failing target and when it reaches its max_job_age (clock ms). */
interface Expiry {
  at: number;
  job: ActiveJob;
}

/**
 * Jobs wait behind a breaker that is not closed (open or half open); one that reaches its
 * target's max_job_age there becomes a dead letter (`circuit_open`, docs/how-it-works.md,
 * Circuit breaker) when it does, not at the breaker's next step. The ready jobs of such
 * targets sit in a min-heap by expiry; the dispatcher's timer wakes at the earliest (`nextAt`)
 * and its pump calls `sweep`. A job enters when its target's breaker leaves closed or when it
 * becomes ready behind such a breaker; an entry whose job left (started, superseded) or whose
 * breaker closed is dropped when it reaches the top, never searched for. Costs: O(log n) per
 * job that becomes ready behind a failing breaker, O(the target's ready jobs) when its breaker
 * opens; nothing for targets whose breaker is closed.
 */
export class CircuitSweep {
  private readonly expiries = new MinHeap<Expiry>((a, b) => a.at < b.at);
  /** Targets whose breaker is not closed: each of their ready jobs has an entry. */
  private readonly failing = new Set<TargetSlot>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly life: JobLifecycle,
    /** Asks the engine for a pump, which calls `sweep`. */
    private readonly requestPump: () => void,
  ) {
    scheduler.onReady = (job) => {
      if (this.failing.has(job.slot)) this.watch(job);
    };
  }

  changed(slot: TargetSlot, to: BreakerState): void {
    if (to === 'closed') {
      this.failing.delete(slot);
      return;
    }
    if (this.failing.has(slot)) return; // open ↔ half open: its jobs are watched already
    this.failing.add(slot);
    this.watchReady(slot);
  }

  /**
   * A reload changed the target (its max_job_age may differ): its ready jobs are watched again
   * at their new expiry (an entry found early is put back at the later one).
   */
  retargeted(slot: TargetSlot): void {
    if (this.failing.has(slot)) this.watchReady(slot);
  }

  /** A reload removed the target: its waiting jobs are letters already. */
  removed(slot: TargetSlot): void {
    this.failing.delete(slot);
  }

  /** When the earliest watched job reaches its max_job_age; undefined when none is watched. */
  nextAt(): number | undefined {
    return this.liveTop()?.at;
  }

  /** Dead-letters the watched jobs past their max_job_age. O(log n) each. */
  sweep(now: number): void {
    for (let top = this.liveTop(); top !== undefined && top.at <= now; top = this.liveTop()) {
      this.expiries.pop();
      const { job } = top;
      const at = expiryOf(job);
      if (at > now) {
        this.expiries.push({ at, job }); // a reload raised its max_job_age
        continue;
      }
      // Its successor in the chain becomes ready here, and is watched (and swept) in turn.
      const { breaker, target } = job.slot;
      this.life.deadLetter(job, now, circuitOpenError(target.name, breaker.lastFailure));
    }
  }

  private watchReady(slot: TargetSlot): void {
    for (const job of this.scheduler.readyOf(slot)) this.watch(job);
    this.requestPump();
  }

  private watch(job: ActiveJob): void {
    this.expiries.push({ at: expiryOf(job), job });
  }

  /** The earliest entry still watched, dropping those that left meanwhile. */
  private liveTop(): Expiry | undefined {
    for (let top = this.expiries.peek(); top !== undefined; top = this.expiries.peek()) {
      if (top.job.placement === 'ready' && this.failing.has(top.job.slot)) return top;
      this.expiries.pop();
    }
    return undefined;
  }
}

function expiryOf(job: ActiveJob): number {
  return job.submittedAt + job.slot.target.retry.maxJobAgeMs;
}
