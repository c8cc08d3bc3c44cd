/**
 * CPU time and memory of local processes, read from /proc (Linux; the bench's PostgreSQL and
 * Redis run on this machine), and a watch that follows groups of them over a measured window.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every Linux the bench runs on. */
const TICKS_PER_SECOND = 100;

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (error: unknown) {
    // The process ended (a backend closed): nothing more to read.
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** CPU seconds (user + system, every thread) of a process so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readProc(pid, 'stat');
  if (stat === undefined) return undefined;
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export interface Memory {
  /** Resident set now (VmRSS). */
  rssBytes: number;
  /** Highest resident set since the process started (VmHWM). */
  peakRssBytes: number;
  /** Resident anonymous memory (RssAnon): what the process holds privately, shared buffers left out. */
  privateBytes: number;
}

/** Memory of a process from /proc/<pid>/status; undefined once it is gone. */
export function memoryOf(pid: number): Memory | undefined {
  const status = readProc(pid, 'status');
  if (status === undefined) return undefined;
  const kib = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), privateBytes: kib('RssAnon') };
}

/**
 * Processes watched as one: a child of the bench (one pid) or a server's processes serving
 * the run (looked up again at every sample, since PostgreSQL backends come and go).
 * `memory: 'rss'` sums resident sets; `'private'` sums anonymous memory, for processes that
 * share a buffer pool every one of them would count again.
 */
export interface ProcessGroup {
  label: string;
  pids(): Promise<readonly number[]>;
  memory: 'rss' | 'private';
}

export interface GroupUsage {
  label: string;
  cpuSeconds: number;
  /** Highest sum over the group's processes of one sample, in bytes. */
  peakBytes: number;
}

export interface ProcessWatch {
  /** Takes a last sample and returns each group's CPU and peak memory since the watch began. */
  stop(): Promise<GroupUsage[]>;
}

class GroupTracker {
  /** CPU of each pid when first seen, and its latest reading. */
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private peakBytes = 0;

  constructor(private readonly group: ProcessGroup) {}

  /** At the first sample a pid's CPU so far is the baseline; a pid seen later started in the window. */
  async sample(isFirst: boolean): Promise<void> {
    let bytes = 0;
    for (const pid of await this.group.pids()) {
      const cpu = cpuSeconds(pid);
      const memory = memoryOf(pid);
      if (cpu === undefined || memory === undefined) continue;
      if (!this.first.has(pid)) this.first.set(pid, isFirst ? cpu : 0);
      this.last.set(pid, cpu);
      bytes += this.group.memory === 'rss' ? memory.rssBytes : memory.privateBytes;
    }
    this.peakBytes = Math.max(this.peakBytes, bytes);
  }

  usage(): GroupUsage {
    let cpu = 0;
    for (const [pid, seconds] of this.last) cpu += seconds - (this.first.get(pid) ?? 0);
    return { label: this.group.label, cpuSeconds: cpu, peakBytes: this.peakBytes };
  }
}

/**
 * Samples the groups now and every `intervalMs` until `stop()`. CPU is exact (cumulative
 * counters; a process that ends between samples loses at most its last interval); memory peaks
 * are sampled, so a spike shorter than the interval can be missed.
 */
export async function watchProcesses(
  groups: readonly ProcessGroup[],
  intervalMs = 200,
): Promise<ProcessWatch> {
  const trackers = groups.map((group) => new GroupTracker(group));
  const sampleAll = (isFirst: boolean): Promise<void[]> =>
    Promise.all(trackers.map((tracker) => tracker.sample(isFirst)));
  await sampleAll(true);
  let sampling: Promise<unknown> = Promise.resolve();
  let failure: unknown;
  const timer = setInterval(() => {
    sampling = sampling.then(() => sampleAll(false)).catch((error: unknown) => (failure = error));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      if (failure !== undefined) throw new Error('sampling processes failed', { cause: failure });
      await sampleAll(false);
      return trackers.map((tracker) => tracker.usage());
    },
  };
}

/** A group of one process, e.g. a child of the bench. */
export function oneProcess(label: string, pid: number): ProcessGroup {
  return { label, pids: () => Promise.resolve([pid]), memory: 'rss' };
}
