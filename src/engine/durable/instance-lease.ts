import type { Db } from '../../db/db.js';
import { markStopping, registerInstance, renewInstance } from './leases.js';

export interface LeaseEvents {
  /** The lease of `owner` lapsed or could not be renewed in time: give up every held job. */
  onLost(why: string, owner: string): void;
  /** Renewal failed, but the lease still covers the next heartbeat: keep going. */
  onUnconfirmed(error: unknown): void;
}

/**
 * This instance's lease as the instance sees it (docs/storage.md). Jobs are claimed under `owner`; the
 * lease is good until `untilMs` on the injected clock. Once lost, the instance registers under
 * a new owner id (`base/1`, `base/2`, …), so that a completion of the old one can never match
 * a job claimed again by the new one; a restart that finds its name still leased does the same.
 * One heartbeat at a time: the maintenance loop beats every heartbeat, and the dispatcher beats
 * at once when it finds the lease too short to start an attempt (after a stall).
 */
export class InstanceLease {
  owner: string;
  untilMs = 0;
  private generation = 0;
  private registered = false;
  private beating: Promise<void> | undefined;
  /** When stop began; a row registered from then on says so too. */
  private stoppingSinceMs: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly base: string,
    private readonly leaseMs: number,
    private readonly heartbeatMs: number,
    private readonly events: LeaseEvents,
  ) {
    this.owner = base;
  }

  /** Takes the first free owner id from the current one on (base, base/1, base/2, …). */
  async register(nowMs: number): Promise<void> {
    const stopping = this.stoppingSinceMs;
    while (!(await registerInstance(this.db, this.owner, nowMs, this.leaseMs, stopping))) {
      this.next();
    }
    this.registered = true;
    this.untilMs = nowMs + this.leaseMs;
  }

  /**
   * Stop began: the row says so (other-instances.ts), and so does a row registered after a
   * lost lease. Throws when the database does not answer.
   */
  async markStopping(nowMs: number): Promise<void> {
    this.stoppingSinceMs = nowMs;
    await markStopping(this.db, this.owner, nowMs);
  }

  /** True while an attempt of `timeoutMs` started now would end within the lease. */
  covers(nowMs: number, timeoutMs: number): boolean {
    return this.registered && nowMs + timeoutMs < this.untilMs;
  }

  /** Renews (or after a loss registers under the next owner id); joins a beat in flight. */
  beat(nowMs: number): Promise<void> {
    this.beating ??= this.renew(nowMs).finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private async renew(nowMs: number): Promise<void> {
    try {
      if (!this.registered) {
        await this.register(nowMs);
        return;
      }
      if (await renewInstance(this.db, this.owner, nowMs, this.leaseMs)) {
        this.untilMs = nowMs + this.leaseMs;
        return;
      }
      const lost = this.lose();
      this.events.onLost('lease lapsed', lost);
      // Registered again at once when the database answers; else at the next heartbeat.
      await this.register(nowMs).catch((error: unknown) => this.events.onUnconfirmed(error));
    } catch (error: unknown) {
      // A live instance never attempts past its lease: give up before it can lapse unseen.
      if (!this.registered || this.untilMs > nowMs + this.heartbeatMs) {
        this.events.onUnconfirmed(error);
        return;
      }
      const lost = this.lose();
      this.events.onLost('lease could not be renewed before it lapses', lost);
    }
  }

  /** Returns the owner id given up. */
  private lose(): string {
    const lost = this.owner;
    this.registered = false;
    this.untilMs = 0;
    this.next();
    return lost;
  }

  private next(): void {
    this.generation += 1;
    this.owner = `${this.base}/${this.generation}`;
  }
}
