/**
 * status-store: put/get throughput of the job-status store at its default capacity (10 000),
 * and the memory it holds for 10 000 tracked jobs (goal ≤ 5 MB), measured in a child process
 * started with --expose-gc (heap and ArrayBuffers after a forced GC, with and without the
 * store).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import type { AttemptRecord, JobSnapshot } from '../../src/domain/job.js';
import { createJobStatusStore } from '../../src/tracking/job-status-store.js';
import { formatRate, median, repeat } from '../support/stats.js';

const CAPACITY = 10_000;
const PUTS = 1_000_000;
const GETS = 1_000_000;
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
/** Attempts in each job's history (STATUS_ATTEMPTS, default 1): all but a delivered last failed. */
const ATTEMPTS = Number(process.env['STATUS_ATTEMPTS'] ?? 1);
const TARGETS = ['pagerduty', 'team-chat', 'incidents', 'audit'];
const STATES = ['succeeded', 'dlq', 'queued', 'processing'] as const;
const PRIORITIES = ['high', 'medium', 'low'] as const;

const ALERT_NAMES = Array.from({ length: 200 }, (_, i) => `Alert${i}`);

function flat(text: string): string {
  const parsed: unknown = JSON.parse(JSON.stringify(text));
  return typeof parsed === 'string' ? parsed : text;
}

/** ATTEMPTS records, each its own object as the engine records them. */
function aHistory(i: number, state: JobSnapshot['state']): AttemptRecord[] {
  return Array.from({ length: ATTEMPTS }, (_, k) => {
    const at = 1_764_417_600_000 + i + 10 + k * 1_000;
    if (k === ATTEMPTS - 1 && state !== 'dlq') return { at, durationMs: 12, status: 200 };
    return { at, durationMs: 12, status: 503, reason: 'server_error', message: 'HTTP 503' };
  });
}

/** A realistic slim snapshot: uuid id, 16-hex fingerprint, a last error on failed jobs. */
function aSnapshot(i: number): JobSnapshot {
  const state = STATES[i % STATES.length] ?? 'succeeded';
  const snapshot: JobSnapshot = {
    // Flat strings, as ids and fingerprints are once the engine has used them as map keys
    // (randomUUID and padStart build rope strings that a hash lookup flattens).
    id: flat(randomUUID()),
    fingerprint: flat((i * 2654435761).toString(16).padStart(16, '0').slice(-16)),
    alertname: ALERT_NAMES[i % ALERT_NAMES.length] ?? 'Alert',
    alertStatus: i % 3 === 0 ? 'resolved' : 'firing',
    history: aHistory(i, state),
    target: TARGETS[i % TARGETS.length] ?? 'audit',
    priority: PRIORITIES[i % PRIORITIES.length] ?? 'medium',
    state,
    attempts: ATTEMPTS,
    retries: ATTEMPTS - 1,
    submittedAt: 1_764_417_600_000 + i,
    updatedAt: 1_764_417_600_000 + i + 500,
    startedAt: 1_764_417_600_000 + i + 10,
    completedAt: 1_764_417_600_000 + i + 500,
  };
  if (state === 'dlq') {
    snapshot.lastError = {
      type: 'transient',
      reason: 'server_error',
      status: 503,
      message: 'HTTP 503 from target',
    };
  }
  return snapshot;
}

function throughput(): { putsPerSecond: number; getsPerSecond: number } {
  const snapshots = Array.from({ length: 50_000 }, (_, i) => aSnapshot(i));
  const store = createJobStatusStore({ capacity: CAPACITY });
  const putStart = performance.now();
  for (let i = 0; i < PUTS; i += 1) {
    const s = snapshots[i % snapshots.length];
    if (s !== undefined) store.put(s);
  }
  const putsPerSecond = PUTS / ((performance.now() - putStart) / 1000);
  const ids = snapshots.slice(-CAPACITY).map((s) => s.id);
  let found = 0;
  const getStart = performance.now();
  for (let i = 0; i < GETS; i += 1) {
    if (store.get(ids[(i * 7919) % ids.length] ?? '') !== undefined) found += 1;
  }
  const getsPerSecond = GETS / ((performance.now() - getStart) / 1000);
  if (found === 0) throw new Error('store lost everything');
  return { putsPerSecond, getsPerSecond };
}

/** In the --expose-gc child: heap held by a store full of CAPACITY snapshots. */
function heapChild(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const full = (): number => {
    gc();
    gc();
    // ArrayBuffers too: the store's fingerprint index lives in typed arrays, off the heap.
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const before = full();
  const store = createJobStatusStore({ capacity: CAPACITY });
  // Twice the capacity, so eviction has run and only the last CAPACITY remain.
  for (let i = 0; i < 2 * CAPACITY; i += 1) store.put(aSnapshot(i));
  const after = full();
  if (store.size !== CAPACITY) throw new Error('unexpected size');
  process.stdout.write(JSON.stringify({ bytes: after - before }));
}

function heapBytes(): number {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--heap-child'],
    { encoding: 'utf8' },
  );
  const parsed: unknown = JSON.parse(out);
  if (typeof parsed !== 'object' || parsed === null || !('bytes' in parsed)) {
    throw new Error(`bad child output: ${out}`);
  }
  return Number(parsed.bytes);
}

export async function run(): Promise<void> {
  console.log(
    `config: capacity ${CAPACITY}, ${ATTEMPTS} attempt(s) in each job's history; ${PUTS} puts cycling 50 000 snapshots (so eviction runs), ` +
      `${GETS} gets of present ids; heap: 20 000 puts into a fresh store in a --expose-gc child; ` +
      `${RUNS} runs`,
  );
  throughput();
  const rates = await repeat(RUNS, () => Promise.resolve(throughput()));
  const heaps = await repeat(RUNS, () => Promise.resolve(heapBytes()));
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  console.log(`put: median ${formatRate(median(rates.map((r) => r.putsPerSecond)))}`);
  console.log(`get: median ${formatRate(median(rates.map((r) => r.getsPerSecond)))}`);
  console.log(
    `heap for ${CAPACITY} tracked jobs: median ${mb(median(heaps))} (${heaps.map(mb).join(', ')}); ` +
      `goal ≤ 5 MB → ratio ${(median(heaps) / (5 * 1024 * 1024)).toFixed(2)}; ` +
      `${Math.round(median(heaps) / CAPACITY)} bytes/job`,
  );
}

if (process.argv.includes('--heap-child')) heapChild();
