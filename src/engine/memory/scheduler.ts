import type { Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import { MinHeap } from './min-heap.js';

const earlier = (a: ActiveJob, b: ActiveJob): boolean =>
  a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
const older = (a: ActiveJob, b: ActiveJob): boolean =>
  a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);

/**
 * Lanes, aging, per-target isolation and per-(target, fingerprint) order.
 *
 * Only the head of a (target, fingerprint) chain is ever ready or delayed, so a chain runs one
 * job at a time in submission order. Ready jobs sit in a FIFO per (target, lane); a target at
 * its concurrency limit or behind an open breaker is skipped, never blocking other targets.
 * Delayed jobs (retries) sit in one min-heap by due time and hold no worker.
 * Costs: add/delay O(log n), next O(targets · lanes + log n), never a scan of a lane.
 */
export class Scheduler {
  private readonly delayed = new MinHeap<ActiveJob>(earlier);

  constructor(
    readonly slots: readonly TargetSlot[],
    private readonly perTargetConcurrency: number,
    private readonly maxWaitMs: { medium: number; low: number },
  ) {}

  /** Appends a new job to its chain; it becomes ready at once if it heads the chain. O(1). */
  add(job: ActiveJob, now: number): void {
    const tails = job.slot.chainTails;
    const fingerprint = job.alert.fingerprint;
    const tail = tails.get(fingerprint);
    tails.set(fingerprint, job);
    job.chained = true;
    if (tail === undefined) {
      this.makeReady(job, now);
    } else {
      tail.chainNext = job;
      job.placement = 'chained';
    }
  }

  /** A chain head waits until `dueAt` (a retry). */
  delay(job: ActiveJob, dueAt: number): void {
    job.dueAt = dueAt;
    job.placement = 'delayed';
    this.delayed.push(job);
  }

  /** The chain head left for good (succeeded or failed): its successor becomes ready. O(1). */
  release(job: ActiveJob, now: number): void {
    job.placement = 'out';
    if (!job.chained) return;
    job.chained = false;
    const next = job.chainNext;
    job.chainNext = undefined;
    if (next === undefined) job.slot.chainTails.delete(job.alert.fingerprint);
    else this.makeReady(next, now);
  }

  /** Takes the next job to attempt, or undefined when nothing may start now. */
  next(now: number): ActiveJob | undefined {
    this.promoteDue(now);
    let high: ActiveJob | undefined;
    let medium: ActiveJob | undefined;
    let low: ActiveJob | undefined;
    for (const slot of this.slots) {
      if (!this.isDispatchable(slot, now)) continue;
      const h = slot.ready.high.peek();
      if (h !== undefined && (high === undefined || older(h, high))) high = h;
      const m = slot.ready.medium.peek();
      if (m !== undefined && (medium === undefined || older(m, medium))) medium = m;
      const l = slot.ready.low.peek();
      if (l !== undefined && (low === undefined || older(l, low))) low = l;
    }
    const pick = this.choose(high, medium, low, now);
    if (pick === undefined) return undefined;
    pick.slot.ready[pick.priority].shift();
    pick.placement = 'running';
    return pick;
  }

  /**
   * Aging: once a medium or low head has been due longer than its max wait, the oldest head
   * of all lanes goes first (so the aged job passes every newer high job); otherwise the
   * highest non-empty lane.
   */
  private choose(
    high: ActiveJob | undefined,
    medium: ActiveJob | undefined,
    low: ActiveJob | undefined,
    now: number,
  ): ActiveJob | undefined {
    const mediumAged = medium !== undefined && now - medium.readyAt > this.maxWaitMs.medium;
    const lowAged = low !== undefined && now - low.readyAt > this.maxWaitMs.low;
    if (mediumAged || lowAged) {
      let pick: ActiveJob | undefined;
      for (const e of [high, medium, low]) {
        if (e !== undefined && (pick === undefined || older(e, pick))) pick = e;
      }
      return pick;
    }
    return high ?? medium ?? low;
  }

  isDispatchable(slot: TargetSlot, now: number): boolean {
    if (slot.inFlight >= this.perTargetConcurrency) return false;
    slot.breaker.refresh(now);
    return slot.breaker.allows();
  }

  /** Moves delayed jobs whose time has come to their ready FIFO. */
  promoteDue(now: number): void {
    for (let top = this.delayed.peek(); top !== undefined; top = this.delayed.peek()) {
      if (top.dueAt > now) break;
      this.delayed.pop();
      if (top.placement === 'delayed') this.makeReady(top, top.dueAt);
    }
  }

  /** The earliest future time something may become dispatchable: a retry or a breaker probe. */
  nextWakeAt(): number | undefined {
    let wake = this.delayed.peek()?.dueAt;
    for (const slot of this.slots) {
      const reopens = slot.breaker.reopensAt();
      if (reopens === undefined || !hasReady(slot)) continue;
      if (wake === undefined || reopens < wake) wake = reopens;
    }
    return wake;
  }

  /** Whether any ready job could start now. */
  hasDispatchable(now: number): boolean {
    this.promoteDue(now);
    return this.slots.some((slot) => hasReady(slot) && this.isDispatchable(slot, now));
  }

  /** Removes the ready jobs of `slot` matching `remove` (O(jobs of the slot)); not the hot path. */
  removeReady(slot: TargetSlot, remove: (job: ActiveJob) => boolean): ActiveJob[] {
    const removed: ActiveJob[] = [];
    for (const lane of PRIORITIES) removed.push(...slot.ready[lane].removeWhere(remove));
    return removed;
  }

  /** Age of the oldest due job of a lane (0 when none). O(targets). */
  oldestDueAgeMs(lane: Priority, now: number): number {
    this.promoteDue(now);
    let oldest: number | undefined;
    for (const slot of this.slots) {
      const head = slot.ready[lane].peek();
      if (head !== undefined && (oldest === undefined || head.readyAt < oldest)) {
        oldest = head.readyAt;
      }
    }
    return oldest === undefined ? 0 : Math.max(0, now - oldest);
  }

  private makeReady(job: ActiveJob, at: number): void {
    job.readyAt = at;
    job.placement = 'ready';
    job.slot.ready[job.priority].push(job);
  }
}

function hasReady(slot: TargetSlot): boolean {
  return slot.ready.high.size > 0 || slot.ready.medium.size > 0 || slot.ready.low.size > 0;
}
