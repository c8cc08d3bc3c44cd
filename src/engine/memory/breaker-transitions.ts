import type { Logger } from '../../domain/clock.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { JobLifecycle } from './job-lifecycle.js';
import type { BreakerState } from '../publishing-engine.js';
import type { Scheduler, TargetSlot } from './scheduler.js';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * What the engine does when a target's circuit breaker changes state: the state gauge, the
 * transition counter and a log line; and, since jobs wait behind a breaker that is not closed,
 * at each open/half-open step those older than max_job_age become dead letters
 * (`circuit_open`). The sweep runs in the engine's pump, once per breaker step, not per dispatch.
 */
export class BreakerTransitions {
  private readonly toSweep = new Set<TargetSlot>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly scheduler: Scheduler,
    private readonly life: JobLifecycle,
    /** Asks the engine for a pump, which calls `sweep`. */
    private readonly requestPump: () => void,
  ) {
    for (const slot of scheduler.slots) {
      metrics.circuitBreakerState.set({ target: slot.target.name }, BREAKER_GAUGE.closed);
    }
  }

  changed(slot: TargetSlot, to: BreakerState): void {
    const target = slot.target.name;
    this.metrics.circuitBreakerState.set({ target }, BREAKER_GAUGE[to]);
    this.metrics.circuitBreakerTransitions.inc({ target, to });
    this.logger.warn({ target, to }, 'circuit breaker changed state');
    if (to !== 'closed') {
      this.toSweep.add(slot);
      this.requestPump();
    }
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
        this.life.deadLetter(job, now, {
          type: 'transient',
          reason: 'circuit_open',
          message: `circuit breaker not closed for ${slot.target.name}; job older than max_job_age`,
        });
      }
      if (expired.length > 0) this.toSweep.add(slot); // successors may have become ready
    }
  }
}
