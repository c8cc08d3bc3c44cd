import type { Priority } from '../../domain/job.js';
import { PRIORITIES } from '../../domain/job.js';
import type { Deque } from '../deque.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import { MinHeap } from './min-heap.js';

/** What takeWaiting returns for an alert with no chain (most): no array per admission. */
const NO_JOBS: readonly ActiveJob[] = [];

/** The scheduling knobs a config reload may change. */
export interface SchedulerSettings {
  perTargetConcurrency: number;
  maxWaitMs: { medium: number; low: number };
}

const earlier = (a: ActiveJob, b: ActiveJob): boolean =>
  a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
const older = (a: ActiveJob, b: ActiveJob): boolean =>
  a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);

/**
 * Lanes, aging, per-target isolation and rate, and per-(target, fingerprint) order.
 *
 * Only the head of a (target, fingerprint) chain is ever ready or delayed, so a chain runs one
 * job at a time in submission order. Ready jobs sit in a FIFO per (target, lane); a target at
 * its concurrency limit, out of rate tokens or behind an open breaker is skipped, never
 * blocking other targets. Delayed jobs (retries) sit in one min-heap by due time and hold no
 * worker. A job that leaves early (superseded, swept) is marked `out` and dropped when it
 * reaches the head of its FIFO or heap, never searched for.
 * Costs: add/delay O(log n), next O(targets · lanes + log n), never a scan of a lane.
 */
export class Scheduler {
  private readonly delayed = new MinHeap<ActiveJob>(earlier);
  private slots: readonly TargetSlot[] = [];
  /** Told of every job that becomes ready (the circuit sweep watches some). */
  onReady: ((job: ActiveJob) => void) | undefined;

  constructor(private readonly settings: () => SchedulerSettings) {}

  /** The targets to schedule (at start, and after a config reload). */
  setSlots(slots: readonly TargetSlot[]): void {
    this.slots = slots;
  }

  /** Appends a new job to its chain; it becomes ready at once if it heads the chain. O(1). */
  add(job: ActiveJob, now: number): void {
    const { chains } = job.slot;
    const fingerprint = job.alert.fingerprint;
    const chain = chains.get(fingerprint);
    job.chained = true;
    if (chain === undefined) {
      chains.set(fingerprint, { head: job, tail: job });
      this.makeReady(job, now);
    } else {
      chain.tail.chainNext = job;
      chain.tail = job;
      job.placement = 'chained';
    }
  }

  /** The newest job of a chain, undefined when the chain is empty. */
  newestOf(slot: TargetSlot, fingerprint: string): ActiveJob | undefined {
    return slot.chains.get(fingerprint)?.tail;
  }

  /**
   * Takes every job of a chain that is not in flight out of the scheduler (a newer state of
   * its alert supersedes them); an attempt in flight keeps its place at the head. O(chain).
   */
  takeWaiting(slot: TargetSlot, fingerprint: string): readonly ActiveJob[] {
    const chain = slot.chains.get(fingerprint);
    if (chain === undefined) return NO_JOBS;
    const taken: ActiveJob[] = [];
    let running: ActiveJob | undefined;
    for (let job: ActiveJob | undefined = chain.head; job !== undefined;) {
      const next: ActiveJob | undefined = job.chainNext;
      job.chainNext = undefined;
      if (job.placement === 'running') running = job;
      else {
        job.placement = 'out';
        job.chained = false;
        taken.push(job);
      }
      job = next;
    }
    if (running === undefined) slot.chains.delete(fingerprint);
    else slot.chains.set(fingerprint, { head: running, tail: running });
    return taken;
  }

  /** A chain head waits until `dueAt` (a retry). */
  delay(job: ActiveJob, dueAt: number): void {
    job.dueAt = dueAt;
    job.placement = 'delayed';
    this.delayed.push(job);
  }

  /** The chain head left for good (succeeded, failed, superseded): its successor becomes ready. O(1). */
  release(job: ActiveJob, now: number): void {
    job.placement = 'out';
    if (!job.chained) return;
    job.chained = false;
    const next = job.chainNext;
    job.chainNext = undefined;
    const { chains } = job.slot;
    const fingerprint = job.alert.fingerprint;
    if (next === undefined) chains.delete(fingerprint);
    else {
      const chain = chains.get(fingerprint);
      if (chain !== undefined) chain.head = next;
      this.makeReady(next, now);
    }
  }

  /** Takes the next job to attempt, or undefined when nothing may start now. */
  next(now: number): ActiveJob | undefined {
    this.promoteDue(now);
    let high: ActiveJob | undefined;
    let medium: ActiveJob | undefined;
    let low: ActiveJob | undefined;
    for (const slot of this.slots) {
      if (!this.isDispatchable(slot, now)) continue;
      const h = liveHead(slot.ready.high);
      if (h !== undefined && (high === undefined || older(h, high))) high = h;
      const m = liveHead(slot.ready.medium);
      if (m !== undefined && (medium === undefined || older(m, medium))) medium = m;
      const l = liveHead(slot.ready.low);
      if (l !== undefined && (low === undefined || older(l, low))) low = l;
    }
    const pick = this.choose(high, medium, low, now);
    if (pick === undefined) return undefined;
    pick.slot.ready[pick.priority].shift();
    pick.placement = 'running';
    return pick;
  }

  /** Whether the last job chosen was an aged one. */
  private agedWentLast = false;

  /**
   * Aging (docs/how-it-works.md): a medium or low head due longer than its lane's max wait is
   * aged; the older of the aged heads goes ahead of newer medium and low jobs (a low head not
   * yet aged is not, however long the medium one waited: durable mode's claim agrees). When
   * high jobs wait too, aged and high picks alternate (the first contested pick goes to the kind
   * that did not go last), so neither holds the other back:
   * a flood of critical alerts delays an aged warning by one pick at most, and a backlog of aged
   * warnings delays a new critical alert by one pick at most (with the aged job simply going
   * first, a tester's critical alert went 301st of 301). Otherwise the highest non-empty lane.
   */
  private choose(
    high: ActiveJob | undefined,
    medium: ActiveJob | undefined,
    low: ActiveJob | undefined,
    now: number,
  ): ActiveJob | undefined {
    const { maxWaitMs } = this.settings();
    const mediumAged = medium !== undefined && now - medium.readyAt > maxWaitMs.medium;
    const lowAged = low !== undefined && now - low.readyAt > maxWaitMs.low;
    if (!mediumAged && !lowAged) {
      this.agedWentLast = false;
      return high ?? medium ?? low;
    }
    const aged = !mediumAged || (lowAged && older(low, medium)) ? low : medium;
    const pick = high === undefined || (aged !== undefined && !this.agedWentLast) ? aged : high;
    this.agedWentLast = pick === aged;
    return pick;
  }

  isDispatchable(slot: TargetSlot, now: number): boolean {
    if (slot.inFlight >= this.settings().perTargetConcurrency) return false;
    slot.breaker.refresh(now);
    return slot.breaker.allows() && slot.limiter.readyAt(now) <= now;
  }

  /** Moves delayed jobs whose time has come to their ready FIFO. */
  promoteDue(now: number): void {
    for (let top = this.delayed.peek(); top !== undefined; top = this.delayed.peek()) {
      if (top.dueAt > now) break;
      this.delayed.pop();
      if (top.placement === 'delayed') this.makeReady(top, top.dueAt);
    }
  }

  /**
   * The earliest future time something may become dispatchable: a retry, a breaker probe or
   * a rate token of a target with ready jobs.
   */
  nextWakeAt(now: number): number | undefined {
    let wake = this.liveDelayedTop()?.dueAt;
    for (const slot of this.slots) {
      if (!hasReady(slot)) continue;
      const reopens = slot.breaker.reopensAt();
      const at = reopens ?? slot.limiter.readyAt(now);
      if (at <= now && reopens === undefined) continue;
      if (wake === undefined || at < wake) wake = at;
    }
    return wake;
  }

  /** Whether any ready job could start now. */
  hasDispatchable(now: number): boolean {
    this.promoteDue(now);
    return this.slots.some((slot) => hasReady(slot) && this.isDispatchable(slot, now));
  }

  /** The ready jobs of `slot`. O(jobs in its ready FIFOs); not the hot path. */
  readyOf(slot: TargetSlot): ActiveJob[] {
    return PRIORITIES.flatMap((lane) =>
      slot.ready[lane].toArray().filter((job) => job.placement === 'ready'),
    );
  }

  /** Age of the oldest due job of a lane (0 when none). O(targets). */
  oldestDueAgeMs(lane: Priority, now: number): number {
    this.promoteDue(now);
    let oldest: number | undefined;
    for (const slot of this.slots) {
      const head = liveHead(slot.ready[lane]);
      if (head !== undefined && (oldest === undefined || head.readyAt < oldest)) {
        oldest = head.readyAt;
      }
    }
    return oldest === undefined ? 0 : Math.max(0, now - oldest);
  }

  /** The earliest delayed job still delayed, dropping those that left meanwhile. */
  private liveDelayedTop(): ActiveJob | undefined {
    for (let top = this.delayed.peek(); top !== undefined; top = this.delayed.peek()) {
      if (top.placement === 'delayed') return top;
      this.delayed.pop();
    }
    return undefined;
  }

  private makeReady(job: ActiveJob, at: number): void {
    job.readyAt = at;
    job.placement = 'ready';
    job.slot.ready[job.priority].push(job);
    this.onReady?.(job);
  }
}

/** The first job of a ready FIFO that is still ready, dropping those that left meanwhile. */
function liveHead(fifo: Deque<ActiveJob>): ActiveJob | undefined {
  for (let head = fifo.peek(); head !== undefined; head = fifo.peek()) {
    if (head.placement === 'ready') return head;
    fifo.shift();
  }
  return undefined;
}

function hasReady(slot: TargetSlot): boolean {
  return (
    liveHead(slot.ready.high) !== undefined ||
    liveHead(slot.ready.medium) !== undefined ||
    liveHead(slot.ready.low) !== undefined
  );
}
