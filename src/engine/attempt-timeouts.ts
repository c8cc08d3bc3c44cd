import type { Clock } from '../domain/clock.js';
import { sleepUnlessAborted } from './clock-wait.js';
import { Deque } from './deque.js';

/** Why an attempt was cut short. */
export type Expiry = 'timeout' | 'shutdown';

/** One attempt in flight, as the timeouts see it. */
export interface AttemptHandle {
  deadline: number;
  settled: boolean;
  /** Ends the attempt early; called at most once, never after it settled. */
  expire: (why: Expiry) => void;
}

/**
 * Attempt timeouts without a timer per attempt: handles wait in one FIFO per timeout length
 * (deadlines in a FIFO of equal timeouts are in start order), and one clock sleep is armed
 * for the earliest deadline. Settled heads are dropped as they settle, so the FIFOs hold
 * roughly the attempts in flight. Costs: add O(1), settle O(1) amortised, one sleep per
 * timeout period instead of one per attempt.
 */
export class AttemptTimeouts {
  private readonly byTimeout = new Map<number, Deque<AttemptHandle>>();
  private armedAt: number | undefined;
  private readonly stopSleeping = new AbortController();

  constructor(private readonly clock: Clock) {}

  add(handle: AttemptHandle, timeoutMs: number): void {
    let fifo = this.byTimeout.get(timeoutMs);
    if (fifo === undefined) {
      fifo = new Deque();
      this.byTimeout.set(timeoutMs, fifo);
    }
    fifo.push(handle);
    if (this.armedAt === undefined || handle.deadline < this.armedAt) this.arm(handle.deadline);
  }

  /** Marks an attempt finished and drops settled handles from the head of its FIFO. */
  settle(handle: AttemptHandle, timeoutMs: number): void {
    handle.settled = true;
    const fifo = this.byTimeout.get(timeoutMs);
    while (fifo?.peek()?.settled === true) fifo.shift();
  }

  /** Expires every attempt still in flight (stop), and stops the timer. */
  expireAll(why: Expiry): void {
    this.stopSleeping.abort();
    for (const fifo of this.byTimeout.values()) {
      for (const handle of fifo.drain()) {
        if (!handle.settled) {
          handle.settled = true;
          handle.expire(why);
        }
      }
    }
  }

  private arm(at: number): void {
    // An earlier timer may stay armed: it fires, finds nothing due and re-arms. Only the
    // first arm and a shorter timeout than any seen add a sleep.
    this.armedAt = at;
    void sleepUnlessAborted(
      this.clock,
      Math.max(0, at - this.clock.now()),
      this.stopSleeping.signal,
    ).then((slept) => {
      if (slept && this.armedAt === at) this.fire();
    });
  }

  private fire(): void {
    this.armedAt = undefined;
    const now = this.clock.now();
    let next: number | undefined;
    for (const fifo of this.byTimeout.values()) {
      for (let head = fifo.peek(); head !== undefined; head = fifo.peek()) {
        if (!head.settled && head.deadline > now) {
          if (next === undefined || head.deadline < next) next = head.deadline;
          break;
        }
        fifo.shift();
        if (!head.settled) {
          head.settled = true;
          head.expire('timeout');
        }
      }
    }
    if (next !== undefined) this.arm(next);
  }
}
