import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * An exclusive lock on a directory between processes: the file `<dir>.lock` beside it, holding
 * the pid of the process that has the directory open and a token naming that process's run.
 *
 * - Taken by an atomic create (a complete temporary file hard-linked to the lock's name), so a
 *   lock file is never seen half written.
 * - A holder whose pid is gone (kill -9, a crash) left a stale lock: the next process replaces
 *   it. Its pid alone cannot tell this process's own lock from a previous run's that had the
 *   same pid (a container's PID 1 after a restart): the token can.
 * - Two processes that find one stale lock race through a guard file named after its token; the
 *   one that creates the guard replaces the lock, the other is refused.
 * - Released by deleting the file, if it is still this holder's.
 *
 * Not safe across hosts or PID namespaces (containers) sharing a file system: a pid means
 * nothing there.
 */
export interface DirectoryLock {
  release(): Promise<void>;
}

/** This process's run: tells a lock it holds from a stale one of a previous run with its pid. */
const RUN_TOKEN = randomUUID();

interface Holder {
  pid: number;
  token: string;
}

/** Takes the lock of `dir` or throws, naming the process that holds it. */
export async function lockDirectory(dir: string): Promise<DirectoryLock> {
  const path = `${resolve(dir)}.lock`;
  const self: Holder = { pid: process.pid, token: RUN_TOKEN };
  // Each pass ends with the lock, a refusal, or a change of holder seen; three changes in a
  // row mean other processes keep taking and releasing it.
  for (let pass = 0; pass < 3; pass += 1) {
    if (await createExclusive(path, self)) return { release: () => release(path, self) };
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile
    if (isRunning(holder)) throw lockedError(dir, path, holder);
    if (await replaceStale(path, holder, self)) {
      return { release: () => release(path, self) };
    }
  }
  throw new Error(`cannot lock ${dir}: ${path} keeps changing hands`);
}

function lockedError(dir: string, path: string, holder: Holder): Error {
  return new Error(
    `${dir} is in use by process ${String(holder.pid)} (lock file ${path}): ` +
      'one process at a time may open the embedded database; stop that process first',
  );
}

/**
 * Replaces the stale lock of `stale` with `self`'s. False when it was not stale any more (the
 * caller looks again); throws when another process is replacing it.
 */
async function replaceStale(path: string, stale: Holder, self: Holder): Promise<boolean> {
  const guard = `${path}.takeover-${stale.token}`;
  if (!(await createExclusive(guard, self))) {
    const taker = await readHolder(guard);
    if (taker === undefined) return false; // that takeover just finished
    if (isRunning(taker)) {
      throw new Error(
        `${path} is being taken over by process ${String(taker.pid)}: the embedded database is in use`,
      );
    }
    throw new Error(
      `process ${String(taker.pid)} died while taking over the stale lock ${path}: ` +
        `remove ${path} and ${guard} if no process has the embedded database open`,
    );
  }
  try {
    // Only the guard's creator may replace this stale lock; but a takeover that finished before
    // the guard was created here may already have replaced it.
    const current = await readHolder(path);
    if (current?.token !== stale.token || current.pid !== stale.pid) return false;
    const temporary = temporaryNameOf(path);
    await writeFile(temporary, formatHolder(self));
    await rename(temporary, path); // atomic: the lock file never disappears
    return true;
  } finally {
    await unlink(guard);
  }
}

/** Creates `path` holding `holder`, unless it exists: false then. */
async function createExclusive(path: string, holder: Holder): Promise<boolean> {
  const temporary = temporaryNameOf(path);
  try {
    await writeFile(temporary, formatHolder(holder));
  } catch (error: unknown) {
    // A write that failed half-way (a full disk) leaves no temporary file behind.
    await unlink(temporary).catch(() => undefined);
    throw withReason(`cannot create ${path}`, error);
  }
  try {
    await link(temporary, path);
    return true;
  } catch (error: unknown) {
    if (errorCode(error) === 'EEXIST') return false;
    throw withReason(`cannot create ${path}`, error);
  } finally {
    await unlink(temporary);
  }
}

async function release(path: string, self: Holder): Promise<void> {
  const holder = await readHolder(path);
  if (holder?.token === self.token && holder.pid === self.pid) await unlink(path);
}

/** Unique per call: two opens in one process must not share one. */
function temporaryNameOf(path: string): string {
  return `${path}.${randomUUID()}.tmp`;
}

function formatHolder(holder: Holder): string {
  return `${String(holder.pid)}\n${holder.token}\n`;
}

/** The holder written in `path`, or undefined when there is no such file. */
async function readHolder(path: string): Promise<Holder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw withReason(`cannot read the lock file ${path}`, error);
  }
  const [pidLine, token] = text.split('\n');
  const pid = Number(pidLine);
  if (!Number.isSafeInteger(pid) || pid <= 0 || token === undefined || token === '') {
    throw new Error(
      `${path} is not a lock file of alert-publisher: remove it if no process has the embedded database open`,
    );
  }
  return { pid, token };
}

/** Whether `holder` may still have the directory open: its process exists, and is not this one's earlier run. */
function isRunning(holder: Holder): boolean {
  if (holder.pid === process.pid) return holder.token === RUN_TOKEN;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error: unknown) {
    const code = errorCode(error);
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // alive, another user's
    throw new Error(`cannot tell whether process ${String(holder.pid)} runs`, { cause: error });
  }
}

/** The CLI prints only the message, so it carries the system's reason too. */
function withReason(context: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`${context}: ${reason}`, { cause: error });
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
