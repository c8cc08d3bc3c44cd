import type {
  DeadLetter,
  DeadLetterFallback,
  DeadLetterSink,
} from '../../src/domain/dead-letter.js';

/**
 * An in-memory DeadLetterSink and DeadLetterFallback. Set `failing` to make sink writes throw
 * (the database is down); `fallbackFailing` does the same for the fallback.
 */
export interface MemoryDeadLetters {
  sink: DeadLetterSink;
  fallback: DeadLetterFallback;
  /** Letters the sink stored, in write order. */
  readonly stored: DeadLetter[];
  /** Letters the fallback saved. */
  readonly saved: DeadLetter[];
  /** Successful sink writes (batches). */
  readonly writes: number;
  /** Sink writes that threw. */
  readonly failedWrites: number;
  failing: boolean;
  fallbackFailing: boolean;
}

export function createMemoryDeadLetters(): MemoryDeadLetters {
  const stored: DeadLetter[] = [];
  const saved: DeadLetter[] = [];
  let writes = 0;
  let failedWrites = 0;
  const state: MemoryDeadLetters = {
    stored,
    saved,
    get writes() {
      return writes;
    },
    get failedWrites() {
      return failedWrites;
    },
    failing: false,
    fallbackFailing: false,
    sink: {
      write(letters) {
        if (state.failing) {
          failedWrites += 1;
          return Promise.reject(new Error('dead-letter store unavailable'));
        }
        writes += 1;
        stored.push(...letters);
        return Promise.resolve();
      },
    },
    fallback: {
      save(letters) {
        if (state.fallbackFailing) return Promise.reject(new Error('journal unavailable'));
        saved.push(...letters);
        return Promise.resolve();
      },
    },
  };
  return state;
}
