import type { AttemptRecord } from '../../domain/job.js';
import type { Target } from '../../domain/target.js';
import type { Claimed } from './claim-jobs.js';

/**
 * A job this instance holds a lease on: waiting in the local buffer (claimed, not started),
 * running its attempt, or finishing (outcome known, completion not yet committed).
 */
export interface Held {
  job: Claimed;
  target: Target;
  /** The owner id it was claimed under (see InstanceLease): its completion is written as that. */
  owner: string;
  stage: 'buffered' | 'running' | 'finishing';
  /** Ends the running attempt as `shutdown` (lease lost, stop timeout). */
  cancel?: () => void;
  /** The attempt made under this claim, once it ended (its completion appends it to the row). */
  attempt?: AttemptRecord;
  leaseLost: boolean;
  /**
   * Clock ms when the database last said no newer job of its chain waits (the claim, or a
   * check before a late start); -Infinity once this instance admitted a job of its chain.
   * A buffered job not checked recently is checked again before it starts (dispatcher.ts).
   */
  checkedAt: number;
  /** Not to start now: its check runs, or an admission of its chain on this instance does. */
  pauses: number;
}

/** Everything held, with counts kept in step so dispatch decisions are O(1). */
export class Holdings {
  readonly byId = new Map<string, Held>();
  /** Buffered jobs in claim order (rank, due time, submission); a Set so a start is O(1). */
  readonly buffer = new Set<Held>();
  running = 0;
  private readonly runningPerTarget = new Map<string, number>();
  private readonly heldPerTarget = new Map<string, number>();

  /** `checkedAt`: when the claim began (it read the job's chain). */
  add(job: Claimed, target: Target, owner: string, checkedAt: number): void {
    const held: Held = {
      job,
      target,
      owner,
      stage: 'buffered',
      leaseLost: false,
      checkedAt,
      pauses: 0,
    };
    this.byId.set(job.id, held);
    this.buffer.add(held);
    this.bump(this.heldPerTarget, target.name, 1);
  }

  /** Jobs that occupy a worker or wait for one (finishing ones need neither). */
  active(): number {
    return this.buffer.size + this.running;
  }

  activeFor(target: string): number {
    return this.heldPerTarget.get(target) ?? 0;
  }

  runningFor(target: string): number {
    return this.runningPerTarget.get(target) ?? 0;
  }

  start(held: Held): void {
    this.buffer.delete(held);
    held.stage = 'running';
    this.running += 1;
    this.bump(this.runningPerTarget, held.target.name, 1);
  }

  /** The attempt returned: the worker is free, the lease is kept until the completion commits. */
  finishing(held: Held): void {
    held.stage = 'finishing';
    this.running -= 1;
    this.bump(this.runningPerTarget, held.target.name, -1);
    this.bump(this.heldPerTarget, held.target.name, -1);
  }

  /** Takes buffered jobs out (stop, lease lost, open breaker); returns them. */
  unbuffer(predicate: (held: Held) => boolean): Held[] {
    const taken = [...this.buffer].filter(predicate);
    for (const held of taken) {
      this.buffer.delete(held);
      held.stage = 'finishing';
      this.bump(this.heldPerTarget, held.target.name, -1);
    }
    return taken;
  }

  /**
   * Forgets `held`. By identity, not by job id: after a lost lease the same job may be held
   * again under the new owner id while the old claim's completion is still being written, and
   * that completion must not release the new claim (which the next sweep of unheld rows would
   * then hand back to waiting while its attempt runs: a second delivery by a live instance).
   */
  release(held: Held): void {
    if (this.byId.get(held.job.id) === held) this.byId.delete(held.job.id);
  }

  /** The lease is lost: buffered jobs dropped, running attempts cancelled, nothing written. */
  giveUpAll(): void {
    for (const held of this.unbuffer(() => true)) this.release(held);
    for (const held of this.byId.values()) {
      held.leaseLost = true;
      held.cancel?.();
    }
  }

  private bump(map: Map<string, number>, key: string, delta: number): void {
    map.set(key, (map.get(key) ?? 0) + delta);
  }
}
