/**
 * Group admission: batches that arrive while an admission transaction is in flight wait, and
 * go together in the next one (at most `maxJobs` jobs, at least one batch). Under load one
 * transaction, one lock and one commit carry the batches of several requests; at rest a batch
 * waits for nothing. Admissions of one instance never queue on the admission lock behind each
 * other, holding connections meanwhile. `run` answers per batch, in order; when it throws,
 * every batch of that transaction gets the error.
 */
export function createAdmissionGroup<B extends { jobs: readonly unknown[] }, R>(
  run: (batches: B[]) => Promise<R[]>,
  maxJobs: number,
): {
  admit: (batch: B) => Promise<R>;
  /** Resolves once nothing waits and no transaction is in flight. */
  idle: () => Promise<void>;
} {
  interface Waiting {
    batch: B;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  // Cleared in the same turn as the loop finds nothing waiting, so a batch added after that
  // always starts a new drain.
  let running = false;
  let drained: Promise<void> = Promise.resolve();

  function take(): Waiting[] {
    let jobs = 0;
    let count = 0;
    for (const item of waiting) {
      if (count > 0 && jobs + item.batch.jobs.length > maxJobs) break;
      jobs += item.batch.jobs.length;
      count += 1;
    }
    const group = waiting.slice(0, count);
    waiting = waiting.slice(count);
    return group;
  }

  async function drain(): Promise<void> {
    running = true;
    while (waiting.length > 0) {
      const group = take();
      try {
        const results = await run(group.map((item) => item.batch));
        group.forEach((item, i) => {
          const result = results[i];
          if (result === undefined) item.reject(new Error('admission gave no answer'));
          else item.resolve(result);
        });
      } catch (error: unknown) {
        for (const item of group) item.reject(error);
      }
    }
    running = false;
  }

  return {
    admit: (batch) =>
      new Promise<R>((resolve, reject) => {
        waiting.push({ batch, resolve, reject });
        if (!running) drained = drain();
      }),
    idle: async () => {
      while (running) await drained;
    },
  };
}
