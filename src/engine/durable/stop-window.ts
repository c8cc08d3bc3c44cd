import { isDrained } from '../delivery-window.js';

/**
 * A durable instance's stop, as its dispatcher sees it (docs/how-it-works.md, "Stopping"):
 * from `open` on, only what is due before the deadline is delivered, no job is prefetched, and
 * once another live instance takes the rest (other-instances.ts) nothing more is claimed.
 */
export class StopWindow {
  /** The end of the delivery window; undefined until stop. */
  private deadline: number | undefined;
  /** Set at stop when another instance is live: nothing more is claimed or started. */
  private handedOver = false;
  /** Settles once the instance's row says it is stopping (other-instances.ts, markStopping). */
  private marked: Promise<unknown> = Promise.resolve();

  constructor(private readonly now: () => number) {}

  open(deadlineMs: number, marked: Promise<unknown>): void {
    this.deadline = deadlineMs;
    this.marked = marked;
  }

  /** Whether jobs are still claimed and started. */
  delivering(): boolean {
    return this.deadline === undefined || (!this.handedOver && this.now() < this.deadline);
  }

  /**
   * Jobs held per worker slot: with the prefetch while running; at stop only what can start,
   * so that another instance can take the rest at once rather than at the deadline.
   */
  factor(prefetchPerWorker: number): number {
    return this.deadline === undefined ? 1 + prefetchPerWorker : 1;
  }

  /** At stop, before a claim: whether another instance takes the rest (`check`, once marked). */
  async handsOver(check: () => Promise<boolean>): Promise<boolean> {
    if (this.deadline === undefined) return false;
    this.handedOver = await this.marked.then(check);
    return this.handedOver;
  }

  /** At stop: nothing is held and nothing falls due before the deadline (delivery-window.ts). */
  drained(busy: boolean, nextDueAt: number | undefined): boolean {
    return this.deadline !== undefined && isDrained({ busy, nextDueAt }, this.deadline);
  }

  /** `ms`, not past the deadline. */
  capped(ms: number): number {
    return this.deadline === undefined ? ms : Math.min(ms, this.deadline - this.now());
  }
}
