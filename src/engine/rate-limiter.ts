/** A target's configured limit: `perSecond` tokens a second, at most `burst` saved up. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** The slowest rate throttling goes down to: one attempt a minute. */
export const MIN_RATE_PER_SECOND = 1 / 60;
/** What each successful attempt gives back to a throttled rate (additive increase). */
export const RECOVERY_PER_SUCCESS = 0.1;
/** How far back the rate a target was sent at is measured when it first answers 429. */
const OBSERVED_SECONDS = 10;
/**
 * Throttling of a target without a `rate_limit` starts from the rate it was sent at, but at
 * least this (attempts a second): a trickle of jobs is paced by the retry backoff, not by a
 * rate measured from a handful of attempts.
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
 * adaptive throttling on 429 (AIMD): each 429 halves the current rate, each success adds
 * RECOVERY_PER_SUCCESS a second back, up to the configured rate. A target without a
 * `rate_limit` is unlimited until its first 429; throttling then starts from the rate it was
 * being sent at (its attempts of the last 10 s over the time they span, at least 1 s; at
 * least 1/s), and the limit is lifted once the rate has recovered to twice that. Jobs wait for
 * a token as data (the engines ask `readyAt`), never in a worker. Pure: the engines pass clock
 * readings in.
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
  /** Attempts started in each of the last OBSERVED_SECONDS seconds (a ring, by second). */
  private readonly startsPerSecond = new Array<number>(OBSERVED_SECONDS).fill(0);
  private startsSecond: number;

  constructor(
    private limit: RateLimit | undefined,
    now: number,
  ) {
    this.rate = limit?.perSecond;
    this.tokens = limit?.burst ?? 0;
    this.refilledAt = now;
    this.startsSecond = Math.floor(now / 1000);
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
    this.rollStarts(now);
    const index = ringIndex(this.startsSecond);
    this.startsPerSecond[index] = (this.startsPerSecond[index] ?? 0) + 1;
    if (this.rate === undefined) return;
    this.refill(now);
    this.tokens -= 1;
  }

  /**
   * The target answered 429 to an attempt started at `startedAt`: halve the rate, once for
   * all the attempts that were already in flight when it was last halved (as TCP halves once
   * per round trip, not once per lost packet). Never below what its `Retry-After` asked for
   * (one attempt per `retryAfterMs`): a throttled target's attempts go one at a time, so each
   * 429 of an episode halved again, and a 12 s episode answered with `Retry-After: 1` left a
   * PagerDuty target at one attempt per 12.8 s, its next page 25 s late after it recovered.
   */
  rateLimited(now: number, startedAt: number, retryAfterMs?: number): void {
    if (startedAt <= this.decreasedAt) return;
    this.decreasedAt = now;
    this.refill(now);
    if (this.rate === undefined) {
      const sentAt = Math.max(THROTTLE_START_PER_SECOND, this.sentRate(now));
      this.ceiling = sentAt * 2;
      this.rate = sentAt;
      this.tokens = 0;
      this.refilledAt = now;
    }
    const asked = retryAfterMs !== undefined && retryAfterMs > 0 ? 1000 / retryAfterMs : 0;
    const floor = Math.min(this.limit?.perSecond ?? Infinity, Math.max(MIN_RATE_PER_SECOND, asked));
    // A 429 never speeds a target up: a rate already below the floor stays where it is.
    this.rate = Math.max(Math.min(floor, this.rate), this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  /** An attempt succeeded: give some rate back, up to the configured one. */
  succeeded(now: number): void {
    if (this.rate === undefined) return;
    this.refill(now);
    const top = this.limit?.perSecond ?? this.ceiling ?? this.rate;
    this.rate = Math.min(top, this.rate + RECOVERY_PER_SUCCESS);
    if (this.limit === undefined && this.rate >= top) {
      this.rate = undefined;
      this.ceiling = undefined;
    }
  }

  /**
   * Attempts a second over the time the recent ones span (at least a second): a burst that
   * began a moment ago was sent at its own rate, not spread over the whole window.
   */
  private sentRate(now: number): number {
    this.rollStarts(now);
    let count = 0;
    let oldest: number | undefined;
    for (
      let second = this.startsSecond - OBSERVED_SECONDS + 1;
      second <= this.startsSecond;
      second += 1
    ) {
      const started = this.startsPerSecond[ringIndex(second)] ?? 0;
      if (started === 0) continue;
      count += started;
      oldest ??= second;
    }
    const spanSeconds = Math.max(1, now / 1000 - (oldest ?? this.startsSecond));
    return count / spanSeconds;
  }

  /** Moves the ring to the second of `now`, emptying the seconds passed since. */
  private rollStarts(now: number): void {
    const second = Math.floor(now / 1000);
    const passed = Math.min(second - this.startsSecond, OBSERVED_SECONDS);
    for (let i = 1; i <= passed; i += 1) this.startsPerSecond[ringIndex(this.startsSecond + i)] = 0;
    if (second > this.startsSecond) this.startsSecond = second;
  }

  private refill(now: number): void {
    if (this.rate === undefined) return;
    const elapsedMs = Math.max(0, now - this.refilledAt);
    const burst = Math.max(1, this.limit?.burst ?? 1);
    this.tokens = Math.min(burst, this.tokens + (elapsedMs / 1000) * this.rate);
    this.refilledAt = now;
  }
}

function ringIndex(second: number): number {
  return ((second % OBSERVED_SECONDS) + OBSERVED_SECONDS) % OBSERVED_SECONDS;
}
