import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until real I/O (a database, sockets, a child process) makes `check` return something
 * other than `undefined` or `false`, and returns it. Polls on the next event-loop turns first,
 * then every 10 ms. The deadline only guards against a hang: it is not a timing assertion, and
 * a loaded CI machine gets all of it. Virtual time is the fake clock's job, not this one's.
 */
export async function eventually<T>(
  what: string,
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let polls = 0; ; polls += 1) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (polls < 50) await nextTurn();
    else await sleep(10);
  }
}
