import type { Clock, Logger } from '../../domain/clock.js';
import type { AlertStateRecord, AlertStateStore } from '../alert-state-store.js';
import { sleepUnlessAborted } from '../clock-wait.js';
import type { StateOfJob } from '../supersession.js';

const key = (target: string, fingerprint: string): string => `${target}\u0000${fingerprint}`;

/**
 * Memory mode's record of the newest state per (target, fingerprint) (the latest-state rule,
 * docs/alert-state.md): read synchronously at admission, bounded to `capacity` entries (the
 * least recently recorded go first), and written behind to the store in batches every
 * `flushMs`, so it survives a restart without a database round trip per job. A failed write
 * keeps its records for the next one.
 */
export class NewestStates {
  private readonly byKey = new Map<string, AlertStateRecord>();
  private pending = new Map<string, AlertStateRecord>();
  private writing: Promise<void> | undefined;
  private readonly stopped = new AbortController();

  constructor(
    private readonly capacity: number,
    private readonly store: AlertStateStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushMs: number,
  ) {}

  /** The states recorded before a restart (most recent first), read at start. */
  load(records: readonly AlertStateRecord[]): void {
    for (const record of [...records].reverse()) this.remember(record);
  }

  get(target: string, fingerprint: string): StateOfJob | undefined {
    return this.byKey.get(key(target, fingerprint));
  }

  /** The newest state, from memory or else the store (evicted or recorded by another process). */
  async find(target: string, fingerprint: string): Promise<StateOfJob | undefined> {
    return this.get(target, fingerprint) ?? (await this.store?.find(target, fingerprint));
  }

  /** A job became the newest of its (target, fingerprint). */
  record(record: AlertStateRecord): void {
    this.remember(record);
    if (this.store === undefined) return;
    this.pending.set(key(record.target, record.fingerprint), record);
    this.writing ??= this.writeBehind();
  }

  /** Writes what is pending now (stop). */
  async flush(): Promise<void> {
    this.stopped.abort();
    await this.writing;
    await this.writePending();
  }

  private remember(record: AlertStateRecord): void {
    const k = key(record.target, record.fingerprint);
    this.byKey.delete(k);
    this.byKey.set(k, record);
    if (this.byKey.size > this.capacity) {
      const oldest = this.byKey.keys().next();
      if (oldest.done !== true) this.byKey.delete(oldest.value);
    }
  }

  private async writeBehind(): Promise<void> {
    while (this.pending.size > 0) {
      if (!(await sleepUnlessAborted(this.clock, this.flushMs, this.stopped.signal))) break;
      await this.writePending();
    }
    this.writing = undefined;
  }

  private async writePending(): Promise<void> {
    if (this.store === undefined || this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.save([...batch.values()]);
    } catch (error: unknown) {
      // Kept for the next write; a newer record of the same key recorded meanwhile wins.
      for (const [k, record] of batch) if (!this.pending.has(k)) this.pending.set(k, record);
      this.logger.warn(
        { err: error, states: batch.size },
        'writing alert states failed; will retry',
      );
    }
  }
}
