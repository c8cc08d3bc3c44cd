import { readFileSync, readdirSync } from 'node:fs';

/**
 * Linux /proc readers for tests and benches that watch real processes (`npm start`, the
 * footprint bench): children, resident memory, liveness.
 */

/** /proc/<pid>/… read as text, or undefined once the process is gone. */
function procFile(pid: number | string, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch (error: unknown) {
    if (
      error instanceof Error &&
      'code' in error &&
      (error.code === 'ENOENT' || error.code === 'ESRCH')
    )
      return undefined;
    throw error;
  }
}

/** The pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procFile(entry, 'stat');
    if (stat === undefined) continue;
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

/** `pid` and every process below it. */
export function treeOf(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(treeOf)];
}

export function commandLineOf(pid: number): string {
  return (procFile(pid, 'cmdline') ?? '').split('\0').join(' ').trim();
}

export interface Memory {
  /** Resident set now, bytes. */
  rss: number;
  /** Highest resident set so far (VmHWM), bytes. */
  peak: number;
}

/** Resident memory of one process; zeros once it is gone. */
export function memoryOf(pid: number): Memory {
  const status = procFile(pid, 'status') ?? '';
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    if (error instanceof Error && 'code' in error && error.code === 'ESRCH') return false;
    throw error;
  }
}
