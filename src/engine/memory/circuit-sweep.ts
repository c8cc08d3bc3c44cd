import { circuitOpenError } from '../job-errors.js';
import type { BreakerState } from '../publishing-engine.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { TargetSlot } from './active-job.js';
import type { Scheduler } from './scheduler.js';

/**
 * Jobs wait behind a breaker that is not closed: at each open/half-open step of a target's
 * breaker, those older than its max_job_age become dead letters (`circuit_open`). The sweep
 * runs in the engine's pump, once per breaker step, not per dispatch.
 */
export class CircuitSweep {
  private readonly toSweep = new Set<TargetSlot>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly life: JobLifecycle,
    /** Asks the engine for a pump, which calls `sweep`. */
    private readonly requestPump: () => void,
  ) {}

  changed(slot: TargetSlot, to: BreakerState): void {
    if (to === 'closed') return;
    this.toSweep.add(slot);
    this.requestPump();
  }

  /** Dead-letters the expired ready jobs of the targets that stepped. O(their ready jobs). */
  sweep(now: number): void {
    if (this.toSweep.size === 0) return;
    const slots = [...this.toSweep];
    this.toSweep.clear();
    for (const slot of slots) {
      if (slot.breaker.state === 'closed') continue;
      const maxAgeMs = slot.target.retry.maxJobAgeMs;
      const expired = this.scheduler.removeReady(slot, (e) => now - e.submittedAt >= maxAgeMs);
      for (const job of expired) {
        this.life.deadLetter(
          job,
          now,
          circuitOpenError(slot.target.name, slot.breaker.lastFailure),
        );
      }
      if (expired.length > 0) this.toSweep.add(slot); // successors may have become ready
    }
  }
}
