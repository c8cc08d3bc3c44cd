import type { JobError } from '../domain/job.js';
import type { BreakerState } from './publishing-engine.js';

export interface BreakerConfig {
  failureThreshold: number;
  successThreshold: number;
  openTimeoutMs: number;
}

/** What an attempt says about the target's health. 4xx and 429 say nothing (`neutral`). */
export type AttemptVerdict = 'success' | 'failure' | 'neutral';

/** `reason` is set for a transition not caused by attempts (a reload's reset). */
export type BreakerTransition = (to: BreakerState, reason?: string) => void;

/**
 * Circuit breaker of one target, counting failed *attempts*. closed → open after
 * `failureThreshold` consecutive failures; open → half_open once `openTimeoutMs` passed (on
 * the next `refresh`); half_open lets one probe at a time: `successThreshold` successful
 * probes close it, a failed probe reopens it. Results of attempts that were not the probe are
 * ignored while not closed (they started before the breaker opened).
 */
export class Breaker {
  state: BreakerState = 'closed';
  consecutiveFailures = 0;
  openedAt: number | undefined;
  /** When an attempt last succeeded (clock ms), probes included; undefined before the first. */
  lastSuccessAt: number | undefined;
  /**
   * The last failure counted against the target (verdict `failure`, even one ignored while not
   * closed): why it is failing, which `circuit_open` letters quote (job-errors.ts).
   */
  lastFailure: JobError | undefined;
  private probeInFlight = false;
  private probeSuccesses = 0;

  constructor(
    private config: BreakerConfig,
    private readonly onTransition: BreakerTransition,
  ) {}

  /**
   * New thresholds (config reload); the state and counts so far are kept. Safe at any point:
   * each threshold is compared when the next result comes (a count already past a lowered one
   * trips at that result), and an open breaker's reopening time is its opening time plus the
   * open time read then.
   */
  reconfigure(config: BreakerConfig): void {
    this.config = config;
  }

  /**
   * Starts afresh, closed, its counts at 0: what it measured was another endpoint (a reload
   * changed the target's address). A transition, with `reason`, unless it was closed already.
   * A probe still in flight then reports to a closed breaker, which ignores it.
   */
  reset(reason: string): void {
    this.consecutiveFailures = 0;
    this.lastSuccessAt = undefined;
    this.lastFailure = undefined;
    this.probeInFlight = false;
    if (this.state !== 'closed') this.close(reason);
  }

  /** Moves open → half_open when the open time is over. */
  refresh(now: number): void {
    if (this.state === 'open' && this.openedAt !== undefined) {
      if (now >= this.openedAt + this.config.openTimeoutMs) this.transition('half_open');
    }
  }

  /** When an open breaker lets its probe through; undefined unless open. */
  reopensAt(): number | undefined {
    if (this.state !== 'open' || this.openedAt === undefined) return undefined;
    return this.openedAt + this.config.openTimeoutMs;
  }

  /**
   * Whether the target is down as this breaker saw it since `sinceMs` (a job's first attempt):
   * no attempt to it succeeded since then (none at all on a fresh start). Not its state: jobs
   * that fail on their own (a payload the target answers 500) can open it while the target
   * delivers the others. A job that spent its retries so failed with its target, not on its own
   * (outcome-decision.ts, `targetDown`).
   */
  isDownSince(sinceMs: number): boolean {
    return this.lastSuccessAt === undefined || this.lastSuccessAt < sinceMs;
  }

  /** Whether an attempt may start now (call refresh first). */
  allows(): boolean {
    if (this.state === 'closed') return true;
    return this.state === 'half_open' && !this.probeInFlight;
  }

  /** Records that an attempt started; returns true when it is the half-open probe. */
  begin(): boolean {
    if (this.state !== 'half_open') return false;
    this.probeInFlight = true;
    return true;
  }

  /** An attempt's result; `failure` is what failed, for a `failure` verdict (outcome-decision.ts). */
  record(verdict: AttemptVerdict, isProbe: boolean, now: number, failure?: JobError): void {
    if (verdict === 'success') this.lastSuccessAt = now;
    if (verdict === 'failure' && failure !== undefined) this.lastFailure = failure;
    if (isProbe) {
      this.probeInFlight = false;
      if (this.state !== 'half_open') return;
      if (verdict === 'failure') this.open(now);
      else if (verdict === 'success') {
        this.probeSuccesses += 1;
        if (this.probeSuccesses >= this.config.successThreshold) this.close();
      }
      return;
    }
    if (this.state !== 'closed') return;
    if (verdict === 'success') this.consecutiveFailures = 0;
    else if (verdict === 'failure') {
      this.consecutiveFailures += 1;
      if (this.consecutiveFailures >= this.config.failureThreshold) this.open(now);
    }
  }

  private open(now: number): void {
    this.openedAt = now;
    this.probeSuccesses = 0;
    this.transition('open');
  }

  private close(reason?: string): void {
    this.consecutiveFailures = 0;
    this.probeSuccesses = 0;
    this.openedAt = undefined;
    this.transition('closed', reason);
  }

  private transition(to: BreakerState, reason?: string): void {
    this.state = to;
    this.onTransition(to, reason);
  }
}
