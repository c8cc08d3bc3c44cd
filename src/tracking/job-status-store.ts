import type { Job, JobFilter, JobSnapshot } from '../domain/job.js';
import { snapshotOf } from '../domain/job.js';
import { FingerprintIndex } from './fingerprint-index.js';
import { SnapshotColumns } from './snapshot-columns.js';

/** The last `capacity` job snapshots, most recently updated first. */
export interface JobStatusStore {
  /** Adds or replaces a snapshot and makes it the most recently updated. O(1). */
  put(snapshot: JobSnapshot): void;
  /**
   * Like put, for a job still changing: keeps a reference to `job` and snapshots it only
   * when read, so an engine pays no copy per state change. O(1). The caller must `put` the
   * final snapshot once the job stops changing, so the store does not keep its alert.
   */
  track(job: Job): void;
  /** O(1) (a live job is snapshotted); does not reorder. */
  get(id: string): JobSnapshot | undefined;
  /** Most recently updated first; O(entries visited) until `limit` matches (default 100). */
  list(filter: JobFilter): JobSnapshot[];
  /**
   * The last `limit` jobs of an alert that the store still holds, in the order the store
   * first saw them (submission order, oldest first). O(jobs of its index bucket).
   */
  ofFingerprint(fingerprint: string, limit: number): JobSnapshot[];
  readonly size: number;
}

export const DEFAULT_LIST_LIMIT = 100;

/** No slot: the end of the recency list. */
const NONE = -1;

/**
 * LRU by update over numbered slots: a Map from id to slot, and the recency list (newest to
 * oldest) as two typed arrays of slot numbers, so put, get and eviction are O(1), list walks from
 * the newest, and the store allocates nothing per job once full (an evicted slot is reused).
 * A slot holds either a tracked live job or a stored snapshot (SnapshotColumns: fields in
 * arrays, not an object per job). Reads never reorder. Slots are indexed by fingerprint when
 * a job id takes them, and leave the index when evicted (a job's fingerprint never changes).
 */
export function createJobStatusStore(options: { capacity: number }): JobStatusStore {
  const capacity = Math.max(1, options.capacity);
  const slotOf = new Map<string, number>();
  const ids: string[] = [];
  /** The tracked job of a slot; undefined once its final snapshot is in `stored`. */
  const live: Array<Job | undefined> = [];
  const stored = new SnapshotColumns();
  const byFingerprint = new FingerprintIndex(capacity);
  // Slot links in typed arrays: 4 bytes a slot each, where a number[] takes 8.
  const newer = new Int32Array(capacity);
  const older = new Int32Array(capacity);
  let newest = NONE;
  let oldest = NONE;

  function unlink(slot: number): void {
    const before = newer[slot] ?? NONE;
    const after = older[slot] ?? NONE;
    if (before === NONE) newest = after;
    else older[before] = after;
    if (after === NONE) oldest = before;
    else newer[after] = before;
  }

  function linkNewest(slot: number): void {
    newer[slot] = NONE;
    older[slot] = newest;
    if (newest !== NONE) newer[newest] = slot;
    newest = slot;
    if (oldest === NONE) oldest = slot;
  }

  function fingerprintOf(slot: number): string {
    return live[slot]?.alert.fingerprint ?? stored.fingerprintAt(slot);
  }

  /** The slot of `id`, made the newest: its own, a new one, or the evicted oldest's. */
  function slotFor(id: string, fingerprint: string): number {
    const existing = slotOf.get(id);
    if (existing !== undefined) {
      if (existing !== newest) {
        unlink(existing);
        linkNewest(existing);
      }
      return existing;
    }
    let slot = ids.length;
    if (slot < capacity) {
      ids.push(id);
      live.push(undefined);
      stored.append();
    } else {
      slot = oldest;
      unlink(slot);
      slotOf.delete(ids[slot] ?? '');
      byFingerprint.remove(slot, fingerprintOf(slot));
      ids[slot] = id;
    }
    byFingerprint.add(slot, fingerprint);
    slotOf.set(id, slot);
    linkNewest(slot);
    return slot;
  }

  function read(slot: number): JobSnapshot {
    const job = live[slot];
    return job === undefined ? stored.read(slot, ids[slot] ?? '') : snapshotOf(job);
  }

  return {
    put(snapshot) {
      const slot = slotFor(snapshot.id, snapshot.fingerprint);
      live[slot] = undefined;
      stored.write(slot, snapshot);
    },
    track(job) {
      live[slotFor(job.id, job.alert.fingerprint)] = job;
    },
    get(id) {
      const slot = slotOf.get(id);
      return slot === undefined ? undefined : read(slot);
    },
    list(filter) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const out: JobSnapshot[] = [];
      for (let slot = newest; slot !== NONE && out.length < limit; slot = older[slot] ?? NONE) {
        const job = live[slot];
        const state = job === undefined ? stored.states[slot] : job.state;
        const priority = job === undefined ? stored.priorities[slot] : job.priority;
        const target = job === undefined ? stored.targets[slot] : job.target;
        if (filter.state !== undefined && state !== filter.state) continue;
        if (filter.priority !== undefined && priority !== filter.priority) continue;
        if (filter.target !== undefined && target !== filter.target) continue;
        out.push(read(slot));
      }
      return out;
    },
    ofFingerprint(fingerprint, limit) {
      const out: JobSnapshot[] = [];
      for (const slot of byFingerprint.candidates(fingerprint)) {
        if (out.length >= limit) break;
        if (fingerprintOf(slot) === fingerprint) out.push(read(slot));
      }
      return out.reverse();
    },
    get size() {
      return slotOf.size;
    },
  };
}
