import type { Logger } from '../domain/clock.js';
import type { PublishOutcome } from '../domain/publisher.js';
import type { Target } from '../domain/target.js';
import type { Metrics } from '../metrics/metrics.js';
import type { BreakerConfig } from './breaker.js';
import { Breaker } from './breaker.js';
import { recordOnBreaker } from './outcome-decision.js';
import type { BreakerState, QueueStats } from './publishing-engine.js';

const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export type BreakerListener = (target: string, to: BreakerState) => void;

/**
 * The circuit breakers of an engine's targets (both queue modes; per instance in durable mode)
 * and what every transition does: the state gauge, the transition counter, one log line, and
 * the engine's own listeners (memory mode sweeps jobs too old to wait for the probe).
 */
export class Breakers {
  private readonly byTarget = new Map<string, Breaker>();
  private readonly listeners: BreakerListener[] = [];

  constructor(
    private config: BreakerConfig,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** The breaker of `target`, created closed on first use. */
  of(target: string): Breaker {
    let breaker = this.byTarget.get(target);
    if (breaker === undefined) {
      const created: Breaker = new Breaker(this.config, (to, reason) =>
        this.changed(target, created, to, reason),
      );
      breaker = created;
      this.byTarget.set(target, breaker);
      this.metrics.circuitBreakerState.set({ target }, BREAKER_GAUGE.closed);
    }
    return breaker;
  }

  onTransition(listener: BreakerListener): void {
    this.listeners.push(listener);
  }

  /** The state now (an open breaker whose time is over reads half_open); closed if unknown. */
  state(target: string, now: number): BreakerState {
    const breaker = this.byTarget.get(target);
    if (breaker === undefined) return 'closed';
    breaker.refresh(now);
    return breaker.state;
  }

  /** When the breaker of `target` last opened, while it is open or half open; else undefined. */
  openedAt(target: string, now: number): number | undefined {
    return this.state(target, now) === 'closed' ? undefined : this.byTarget.get(target)?.openedAt;
  }

  stats(): QueueStats['breakers'] {
    const out: QueueStats['breakers'] = {};
    for (const [target, breaker] of this.byTarget) {
      out[target] = {
        state: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        ...(breaker.openedAt === undefined ? {} : { openedAt: breaker.openedAt }),
      };
    }
    return out;
  }

  /**
   * Sends `send`, an attempt outside the queue (a target test), as the probe of `target`'s
   * breaker when that lets a probe through now: half open, or open with its time over, and no
   * probe in flight. Its verdict then counts as a queued probe's would (2xx towards closing, a
   * transient failure reopens, a 4xx nothing). Otherwise it counts for nothing: without it a
   * target that recovered while no job waited stayed half open, its alert firing, until traffic
   * came; a closed breaker counts queued attempts only.
   */
  async sendAsProbe(
    target: string,
    now: () => number,
    send: () => Promise<PublishOutcome>,
  ): Promise<PublishOutcome> {
    const breaker = this.byTarget.get(target);
    breaker?.refresh(now());
    const isProbe = breaker !== undefined && breaker.allows() && breaker.begin();
    let outcome: PublishOutcome | undefined;
    try {
      outcome = await send();
      return outcome;
    } finally {
      // A send that threw (a bug) still ends the probe, counting nothing.
      if (isProbe) {
        if (outcome === undefined) breaker.record('neutral', true, now());
        else recordOnBreaker(breaker, outcome, { isProbe: true, waitsPastRetries: false }, now());
      }
    }
  }

  /** A target left the config (reload): its breaker and its gauge series go. */
  remove(target: string): void {
    if (!this.byTarget.delete(target)) return;
    this.metrics.circuitBreakerState.remove({ target });
  }

  /**
   * A reload changed a target's configuration. Its breaker measures one endpoint, so it keeps
   * its state, counts and open time unless the target now sends elsewhere (another type or
   * address: Target.endpoint); then it starts closed, logged and counted as a transition. Both
   * queue modes call this for each target the reload changed.
   */
  retarget(previous: Target, next: Target): void {
    if (previous.endpoint === next.endpoint) return;
    this.byTarget.get(next.name)?.reset('reload: the target sends to another endpoint');
  }

  /** New thresholds (reload) apply to every breaker; each keeps its state. */
  reconfigure(config: BreakerConfig): void {
    this.config = config;
    for (const breaker of this.byTarget.values()) breaker.reconfigure(config);
  }

  /** Whether `target` has a breaker now (a reload removes a removed target's). */
  has(target: string): boolean {
    return this.byTarget.has(target);
  }

  private changed(target: string, breaker: Breaker, to: BreakerState, reason?: string): void {
    // The breaker of a target a reload removed, recording an attempt that was in flight: its
    // series are gone and stay gone (docs/metrics.md).
    if (this.byTarget.get(target) !== breaker) return;
    this.metrics.circuitBreakerState.set({ target }, BREAKER_GAUGE[to]);
    this.metrics.circuitBreakerTransitions.inc({ target, to });
    this.logger.warn(
      reason === undefined ? { target, to } : { target, to, reason },
      'circuit breaker changed state',
    );
    for (const listener of this.listeners) listener(target, to);
  }
}
