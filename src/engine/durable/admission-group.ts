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
): (batch: B) => Promise<R> {
  interface Waiting {
    batch: B;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  let running = false;

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

  return (batch) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ batch, resolve, reject });
      if (!running) void drain();
    });
}
