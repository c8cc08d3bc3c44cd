/**
 * Events of the last `windowSeconds` seconds, counted per second in a ring: O(window) memory,
 * O(window) to read a rate, O(1) to record. Pure: callers pass clock readings in.
 */
export class RecentCounts {
  private readonly perSecond: number[];
  private second: number;

  constructor(
    private readonly windowSeconds: number,
    now: number,
  ) {
    this.perSecond = new Array<number>(windowSeconds).fill(0);
    this.second = Math.floor(now / 1000);
  }

  /** One event at `now`. */
  record(now: number): void {
    this.roll(now);
    const index = this.indexOf(this.second);
    this.perSecond[index] = (this.perSecond[index] ?? 0) + 1;
  }

  /**
   * Events a second over the time the recent ones span (at least a second): a burst that
   * began a moment ago counts at its own rate, not spread over the whole window. 0 when none.
   */
  ratePerSecond(now: number): number {
    const { count, spanSeconds } = this.recent(now);
    return count / spanSeconds;
  }

  private recent(now: number): { count: number; spanSeconds: number } {
    this.roll(now);
    let count = 0;
    let oldest: number | undefined;
    for (let second = this.second - this.windowSeconds + 1; second <= this.second; second += 1) {
      const events = this.perSecond[this.indexOf(second)] ?? 0;
      if (events === 0) continue;
      count += events;
      oldest ??= second;
    }
    return { count, spanSeconds: Math.max(1, now / 1000 - (oldest ?? this.second)) };
  }

  /** Moves the ring to the second of `now`, emptying the seconds passed since. */
  private roll(now: number): void {
    const second = Math.floor(now / 1000);
    const passed = Math.min(second - this.second, this.windowSeconds);
    for (let i = 1; i <= passed; i += 1) this.perSecond[this.indexOf(this.second + i)] = 0;
    if (second > this.second) this.second = second;
  }

  private indexOf(second: number): number {
    return ((second % this.windowSeconds) + this.windowSeconds) % this.windowSeconds;
  }
}
