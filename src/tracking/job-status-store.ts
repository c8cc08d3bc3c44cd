import type { Job, JobFilter, JobSnapshot } from '../domain/job.js';
import { snapshotOf } from '../domain/job.js';

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
  readonly size: number;
}

/** Holds a snapshot, or (from track) the live job to snapshot on read. */
interface Node {
  value: JobSnapshot | Job;
  newer: Node | undefined;
  older: Node | undefined;
}

export const DEFAULT_LIST_LIMIT = 100;

/**
 * LRU by update: a Map for lookup plus a doubly linked list from newest to oldest, so put,
 * get and eviction are O(1) and list walks from the newest entry. Reads never reorder.
 */
export function createJobStatusStore(options: { capacity: number }): JobStatusStore {
  const capacity = Math.max(1, options.capacity);
  const byId = new Map<string, Node>();
  let newest: Node | undefined;
  let oldest: Node | undefined;

  function unlink(node: Node): void {
    if (node.newer === undefined) newest = node.older;
    else node.newer.older = node.older;
    if (node.older === undefined) oldest = node.newer;
    else node.older.newer = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }

  function linkNewest(node: Node): void {
    node.older = newest;
    node.newer = undefined;
    if (newest !== undefined) newest.newer = node;
    newest = node;
    if (oldest === undefined) oldest = node;
  }

  function upsert(value: JobSnapshot | Job): void {
    const existing = byId.get(value.id);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== newest) {
        unlink(existing);
        linkNewest(existing);
      }
      return;
    }
    const node: Node = { value, newer: undefined, older: undefined };
    byId.set(value.id, node);
    linkNewest(node);
    if (byId.size > capacity && oldest !== undefined) {
      const evicted = oldest;
      unlink(evicted);
      byId.delete(evicted.value.id);
    }
  }

  return {
    put(snapshot) {
      upsert(snapshot);
    },
    track(job) {
      upsert(job);
    },
    get(id) {
      const node = byId.get(id);
      return node === undefined ? undefined : snapshotOfValue(node.value);
    },
    list(filter) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const out: JobSnapshot[] = [];
      for (let node = newest; node !== undefined && out.length < limit; node = node.older) {
        const s = node.value;
        if (filter.state !== undefined && s.state !== filter.state) continue;
        if (filter.priority !== undefined && s.priority !== filter.priority) continue;
        if (filter.target !== undefined && s.target !== filter.target) continue;
        out.push(snapshotOfValue(s));
      }
      return out;
    },
    get size() {
      return byId.size;
    },
  };
}

/** A live job is snapshotted now: a caller never sees the result change afterwards. */
function snapshotOfValue(value: JobSnapshot | Job): JobSnapshot {
  return 'alert' in value ? snapshotOf(value) : value;
}
