/** No slot: the end of a chain, or an empty bucket. */
const NONE = -1;

/**
 * The job-status store's slots by fingerprint, so that every job of one alert is found
 * without a scan (the alert timeline). A hash table of slot numbers chained through typed
 * arrays: no object per job or per fingerprint, about 9 bytes per slot (a bucket per two to
 * four slots, a next and a previous link), allocated once for the store's capacity. Add and
 * remove are O(1); a lookup is O(slots in its bucket). Fingerprints that share a bucket share
 * its chain: the caller compares the fingerprints of the slots it is given.
 */
export class FingerprintIndex {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly mask: number;

  constructor(slots: number) {
    let buckets = 16;
    while (buckets * 4 < slots) buckets *= 2;
    this.heads = new Int32Array(buckets).fill(NONE);
    this.next = new Int32Array(slots).fill(NONE);
    this.prev = new Int32Array(slots).fill(NONE);
    this.mask = buckets - 1;
  }

  /** `slot` (not indexed now) holds a job of `fingerprint`. */
  add(slot: number, fingerprint: string): void {
    const bucket = this.bucketOf(fingerprint);
    const head = this.heads[bucket] ?? NONE;
    this.next[slot] = head;
    this.prev[slot] = NONE;
    if (head !== NONE) this.prev[head] = slot;
    this.heads[bucket] = slot;
  }

  /** `slot`, added with `fingerprint`, holds that job no more. */
  remove(slot: number, fingerprint: string): void {
    const before = this.prev[slot] ?? NONE;
    const after = this.next[slot] ?? NONE;
    if (before !== NONE) this.next[before] = after;
    else {
      const bucket = this.bucketOf(fingerprint);
      if (this.heads[bucket] !== slot) throw new Error(`slot ${slot} is not indexed`);
      this.heads[bucket] = after;
    }
    if (after !== NONE) this.prev[after] = before;
    this.next[slot] = NONE;
    this.prev[slot] = NONE;
  }

  /** The slots that may hold `fingerprint`, the most recently added first. */
  *candidates(fingerprint: string): Generator<number> {
    let slot = this.heads[this.bucketOf(fingerprint)] ?? NONE;
    while (slot !== NONE) {
      yield slot;
      slot = this.next[slot] ?? NONE;
    }
  }

  private bucketOf(fingerprint: string): number {
    // FNV-1a over the last 8 UTF-16 code units: a fingerprint is itself a hash of the labels,
    // so its end spreads as well as all of it; any other string still gets a bucket.
    let hash = 0x811c9dc5;
    for (let i = Math.max(0, fingerprint.length - 8); i < fingerprint.length; i += 1) {
      hash = Math.imul(hash ^ fingerprint.charCodeAt(i), 0x01000193);
    }
    return hash & this.mask;
  }
}
