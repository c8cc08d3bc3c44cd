import { RecentCounts } from './recent-counts.js';

/** A target's configured limit: `perSecond` tokens a second, at most `burst` saved up. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The slowest rate throttling goes down to: one attempt a minute. */
export const MIN_RATE_PER_SECOND = 1 / 60;
/** What each successful attempt gives back to a throttled rate (additive increase). */
export const RECOVERY_PER_SUCCESS = 0.1;
/**
 * How long after a 429 the rate climbs no higher than its knee (KNEE_SHARE of the rate the
 * target was sent at when it refused): a hard limit is met again only after this, so at a
 * steady load one 429 per this interval at most. Beyond it the rate probes upwards by
 * RECOVERY_PER_SUCCESS (the limit may have risen).
 */
export const KNEE_HOLD_MS = 30_000;
/**
 * The knee is this share of the rate a 429 came at: just under it, so that a rate that only
 * just crossed a hard limit settles just under it, and one far over it comes down by this
 * share per 429.
 */
const KNEE_SHARE = 0.95;
/**
 * A 429 within this of the last halving does not halve again: the limits targets enforce are
 * per second or longer, so the 429s of one overshoot keep coming until its second has passed.
 */
const ROUND_MS = 1_000;
/** How far back the rates a target was sent at, and accepted, are measured. */
const OBSERVED_SECONDS = 10;
/**
 * A 429 halves the rate a target was observed to be sent at, counting at least this (attempts
 * a second): a trickle of jobs is paced by the retry backoff, not by a rate measured from a
 * handful of attempts. Throttling of a target without a `rate_limit` starts from it too.
 */
const THROTTLE_START_PER_SECOND = 1;

/**
 * Significant digits of a rate as the engines report it (targets API, target_rate_per_second):
 * the AIMD steps leave float noise (2.5 + 3 × 0.1 = 2.8000000000000003, shown 2.8), and a
 * configured `1/m` still reads 0.01667 rather than 0.017 (docs/api.md).
 */
const SHOWN_RATE_DIGITS = 4;

/** A rate as reported: rounded to SHOWN_RATE_DIGITS significant digits. */
export function shownRate(perSecond: number | undefined): number | undefined {
  return perSecond === undefined ? undefined : Number(perSecond.toPrecision(SHOWN_RATE_DIGITS));
}

/**
 * The attempt rate of one target (both queue modes; per instance in durable mode,
 * docs/how-it-works.md, Rate limits): a token bucket at the configured `rate_limit`, and
 * adaptive throttling on 429 (AIMD). A 429 sets the rate to half the rate the target was
 * actually sent at (its attempts of the last 10 s over the time they span, at least 1/s; never
 * more than the rate in force), not half of a rate that Retry-After waits never let it reach;
 * never below half of one attempt per its Retry-After. Each success adds RECOVERY_PER_SUCCESS
 * back, but for KNEE_HOLD_MS after a 429 no higher than the rate the target accepted before
 * that 429 (its successes of the last 10 s): against a hard limit of N a second the rate
 * settles just under N, with one 429 per KNEE_HOLD_MS, instead of going straight back over
 * it. A target without a `rate_limit` is unlimited until its first 429; throttling then starts
 * from the rate it was being sent at, and the limit is lifted once the rate has recovered to
 * twice that. Jobs wait for a token as data (the engines ask `readyAt`), never in a worker.
 * Pure: the engines pass clock readings in.
 */
export class RateLimiter {
  /** The rate in force now; undefined = unlimited. */
  private rate: number | undefined;
  /** Where an unconfigured target's throttling ends (twice the rate it was sent at). */
  private ceiling: number | undefined;
  private tokens: number;
  private refilledAt: number;
  /** When the rate was last halved: 429s of attempts started before it were already counted. */
  private decreasedAt = Number.NEGATIVE_INFINITY;
  /** Just under the rate its last 429 came at: the cap for KNEE_HOLD_MS after it. */
  private knee: number | undefined;
  /** Attempts started in each of the last OBSERVED_SECONDS seconds, and attempts accepted. */
  private readonly starts: RecentCounts;
  private readonly accepted: RecentCounts;

  constructor(
    private limit: RateLimit | undefined,
    now: number,
  ) {
    this.rate = limit?.perSecond;
    this.tokens = limit?.burst ?? 0;
    this.refilledAt = now;
    this.starts = new RecentCounts(OBSERVED_SECONDS, now);
    this.accepted = new RecentCounts(OBSERVED_SECONDS, now);
  }

  /** The rate in force (attempts a second), undefined when unlimited. */
  get currentRate(): number | undefined {
    return this.rate;
  }

  /** A new configured limit (config reload): throttling starts over from it. */
  reconfigure(limit: RateLimit | undefined, now: number): void {
    this.limit = limit;
    this.rate = limit?.perSecond;
    this.ceiling = undefined;
    this.knee = undefined;
    this.tokens = Math.min(this.tokens, limit?.burst ?? 0);
    this.refilledAt = now;
  }

  /** When an attempt may start: `now` or later. */
  readyAt(now: number): number {
    if (this.rate === undefined) return now;
    this.refill(now);
    if (this.tokens >= 1) return now;
    return now + Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** An attempt starts now (call only when readyAt(now) <= now): it takes a token. */
  take(now: number): void {
    this.starts.record(now);
    if (this.rate === undefined) return;
    this.refill(now);
    this.tokens -= 1;
  }

  /**
   * The target answered 429 to an attempt started at `startedAt`: halve the rate it was sent
   * at, once for all the attempts that were already in flight when it was last halved (as TCP
   * halves once per round trip, not once per lost packet), and at most once per ROUND_MS; it
   * leaves a knee (KNEE_SHARE of what was sent, or of what passed if less). Never below half
   * of one attempt per its `Retry-After`: a throttled target's attempts go one at a time, so
   * each 429 of an episode halves again, and a 12 s episode answered with `Retry-After: 1`
   * once left a PagerDuty target at one attempt per 12.8 s, its next page 25 s late after it
   * recovered. Only half of it: a floor at the Retry-After rate itself kept a target limited
   * to 1/s at 1/s plus the recovery, one attempt in two refused.
   */
  rateLimited(now: number, startedAt: number, retryAfterMs?: number): void {
    if (startedAt <= this.decreasedAt || now - this.decreasedAt < ROUND_MS) return;
    this.decreasedAt = now;
    this.refill(now);
    const sent = Math.max(THROTTLE_START_PER_SECOND, this.starts.ratePerSecond(now));
    if (this.rate === undefined) {
      this.ceiling = sent * 2;
      this.rate = sent;
      this.tokens = 0;
      this.refilledAt = now;
    }
    const asked = retryAfterMs !== undefined && retryAfterMs > 0 ? 500 / retryAfterMs : 0;
    const floor = Math.min(this.limit?.perSecond ?? Infinity, Math.max(MIN_RATE_PER_SECOND, asked));
    const observed = Math.min(this.rate, sent);
    // What passed is the better estimate of a hard limit than what was sent, once any did.
    const passed = this.accepted.ratePerSecond(now);
    this.knee = (passed > 0 ? Math.min(observed, passed) : observed) * KNEE_SHARE;
    const halved = Math.min(observed / 2, this.knee);
    // A 429 never speeds a target up: a rate already below the floor stays where it is.
    this.rate = Math.max(Math.min(floor, this.rate), halved, MIN_RATE_PER_SECOND);
    this.tokens = Math.min(this.tokens, 0);
  }

  /** An attempt succeeded: give some rate back, up to the knee, then the configured rate. */
  succeeded(now: number): void {
    this.accepted.record(now);
    if (this.rate === undefined) return;
    this.refill(now);
    const top = this.limit?.perSecond ?? this.ceiling ?? this.rate;
    const holding = this.knee !== undefined && now - this.decreasedAt < KNEE_HOLD_MS;
    const knee = holding ? (this.knee ?? top) : top;
    const cap = Math.min(top, Math.max(this.rate, knee));
    // Below the knee, back to it within about ten successes: that rate is known to pass.
    const step =
      holding && this.rate < knee
        ? Math.max(RECOVERY_PER_SUCCESS, knee / 10)
        : RECOVERY_PER_SUCCESS;
    this.rate = Math.min(cap, this.rate + step);
    if (this.limit === undefined && this.rate >= top) {
      this.rate = undefined;
      this.ceiling = undefined;
      this.knee = undefined;
    }
  }

  private refill(now: number): void {
    if (this.rate === undefined) return;
    const elapsedMs = Math.max(0, now - this.refilledAt);
    const burst = Math.max(1, this.limit?.burst ?? 1);
    this.tokens = Math.min(burst, this.tokens + (elapsedMs / 1000) * this.rate);
    this.refilledAt = now;
  }
}
