import { alertName } from '../../domain/alert.js';
import type { Clock, Logger } from '../../domain/clock.js';
import type { AlertChain, AlertStateRecord, AlertStateStore } from '../alert-state-store.js';
import { chainKey } from '../alert-state-store.js';
import { sleepUnlessAborted } from '../clock-wait.js';
import type { RecordedState, StateOfJob } from '../supersession.js';
import type { JobStatusStore } from '../../tracking/job-status-store.js';
import type { ActiveJob } from './active-job.js';

/**
 * How long a write of newest states may wait while the engine is busy: a storm of new alerts
 * is delivered first, then its states are written (each state costs PostgreSQL a row upsert
 * with three index entries: about 20% of webhook-e2e's throughput when written during the
 * storm, 2026-12-07, docs/benchmarks.md).
 */
export const STATE_WRITE_MAX_DEFER_MS = 10_000;

/** Records by target, then by fingerprint: a lookup builds no key string. */
type Generation = Map<string, Map<string, AlertStateRecord>>;

/**
 * Memory mode's record of the newest state per (target, fingerprint) (the latest-state rule,
 * docs/alert-state.md): read synchronously at admission, and written behind to the store in
 * batches, so it survives a restart without a database round trip per job: every `flushMs`
 * while the engine is idle, at least every STATE_WRITE_MAX_DEFER_MS while it is busy. A failed
 * write keeps its records for the next one.
 *
 * Memory holds the last `capacity` to 2 × `capacity` recorded states in two generations: when
 * the newer one is full, the older is dropped. A state no longer held is read from the store
 * (replay checks), after the records waiting for their write have been written.
 */
export class NewestStates {
  private current: Generation = new Map();
  private currentSize = 0;
  private previous: Generation = new Map();
  private pending: AlertStateRecord[] = [];
  private writing: Promise<void> | undefined;
  /** The write in progress, if any: a store read waits for it. */
  private inWrite: Promise<void> | undefined;
  private readonly stopped = new AbortController();

  constructor(
    private readonly capacity: number,
    private readonly store: AlertStateStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushMs: number,
    /** Work is due or in flight: the write waits (at most STATE_WRITE_MAX_DEFER_MS). */
    private readonly isBusy: () => boolean,
  ) {}

  /** The states recorded before a restart (most recent first), read at start. */
  load(records: readonly AlertStateRecord[]): void {
    for (const record of [...records].reverse()) this.remember(record);
  }

  /** The newest state held in memory. */
  get(target: string, fingerprint: string): StateOfJob | undefined {
    return (
      this.current.get(target)?.get(fingerprint) ?? this.previous.get(target)?.get(fingerprint)
    );
  }

  /**
   * The newest state of each of `chains`, keyed by chainKey (a pair with none known is absent):
   * from memory, else from the store (no longer held, or before a restart). The pairs not held
   * cost one store read together, after the pending states are written.
   */
  async find(chains: readonly AlertChain[]): Promise<Map<string, StateOfJob>> {
    const found = new Map<string, StateOfJob>();
    const missing: AlertChain[] = [];
    for (const chain of chains) {
      const held = this.get(chain.target, chain.fingerprint);
      if (held === undefined) missing.push(chain);
      else found.set(chainKey(chain), held);
    }
    if (missing.length === 0 || this.store === undefined) return found;
    await this.inWrite;
    await this.writePending();
    for (const [key, record] of await this.store.read(missing)) found.set(key, record);
    return found;
  }

  /** A job became the newest of its (target, fingerprint). */
  record(record: AlertStateRecord): void {
    this.remember(record);
    if (this.store === undefined) return;
    this.pending.push(record);
    this.writing ??= this.writeBehind();
  }

  /** Writes what is pending now (stop). */
  async flush(): Promise<void> {
    this.stopped.abort();
    await this.writing;
    await this.writePending();
  }

  private remember(record: AlertStateRecord): void {
    let ofTarget = this.current.get(record.target);
    if (ofTarget === undefined) {
      ofTarget = new Map();
      this.current.set(record.target, ofTarget);
    }
    const size = ofTarget.size;
    ofTarget.set(record.fingerprint, record);
    this.currentSize += ofTarget.size - size;
    if (this.currentSize >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
      this.currentSize = 0;
    }
  }

  private async writeBehind(): Promise<void> {
    let waitedMs = 0;
    while (this.pending.length > 0) {
      if (!(await sleepUnlessAborted(this.clock, this.flushMs, this.stopped.signal))) break;
      waitedMs += this.flushMs;
      if (this.isBusy() && waitedMs < STATE_WRITE_MAX_DEFER_MS) continue;
      await this.writePending();
      waitedMs = 0;
    }
    this.writing = undefined;
  }

  private async writePending(): Promise<void> {
    if (this.store === undefined || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const write = this.save(this.store, batch);
    this.inWrite = write;
    await write;
    if (this.inWrite === write) this.inWrite = undefined;
  }

  /** One record per (target, fingerprint): the last recorded is the newest. */
  private async save(store: AlertStateStore, batch: AlertStateRecord[]): Promise<void> {
    const newest = new Map<string, AlertStateRecord>();
    for (const record of batch) newest.set(chainKey(record), record);
    try {
      await store.save([...newest.values()]);
    } catch (error: unknown) {
      // Kept for the next write, before what was recorded meanwhile (which is newer).
      this.pending = [...newest.values(), ...this.pending];
      this.logger.warn(
        { err: error, states: newest.size },
        'writing alert states failed; will retry',
      );
    }
  }
}

/** The record of a job that became the newest state of its alert for its target. */
export function stateRecordOf(job: ActiveJob, now: number): AlertStateRecord {
  return {
    target: job.target,
    fingerprint: job.alert.fingerprint,
    state: job.alertState,
    jobId: job.id,
    alertname: alertName(job.alert),
    labels: job.alert.labels,
    at: now,
  };
}

/**
 * A recorded state with when its job was delivered, as far as the job-status store knows: a job
 * it no longer holds (evicted beyond tracking.capacity, or of before a restart) counts as not
 * delivered, so its state is sent again (docs/alert-state.md, "Unchanged re-sends"). O(1).
 */
export function withDeliveryOf(
  recorded: StateOfJob,
  store: Pick<JobStatusStore, 'get'>,
): RecordedState {
  const job = store.get(recorded.jobId);
  if (job?.state !== 'succeeded') return recorded;
  return { jobId: recorded.jobId, state: recorded.state, deliveredAt: job.completedAt };
}
