import { randomUUID } from 'node:crypto';
import { beforeEach } from 'node:test';

import type { DeadLetter } from '../../src/domain/dead-letter.js';
import { AppError, type AppErrorCode } from '../../src/domain/errors.js';
import type { DlqEntry } from '../../src/dlq/dlq-entry.js';
import type { DlqRepository } from '../../src/dlq/dlq-repository.js';
import { createDlqRepository } from '../../src/dlq/dlq-repository.js';
import type { ReplayDeps } from '../../src/dlq/replay-entry.js';
import type { Clock } from '../../src/domain/clock.js';
import { createSecretMask } from '../../src/domain/secret-mask.js';
import type { Journal } from '../../src/dlq/journal.js';
import { createJournal } from '../../src/dlq/journal.js';
import type { JobSnapshot } from '../../src/domain/job.js';
import type { Target } from '../../src/domain/target.js';
import type {
  BreakerState,
  JobFinishedListener,
  JobRequest,
  LaneStatus,
  PublishingEngine,
  SubmitResult,
} from '../../src/engine/publishing-engine.js';
import { chainKey } from '../../src/engine/alert-state-store.js';
import { emptyReconfigureSummary } from '../../src/engine/publishing-engine.js';
import type { StateOfJob } from '../../src/engine/supersession.js';
import { anAlert } from './builders.js';
import type { DatabaseContext } from './databases.js';

let sequence = 0;

/** A dead letter; `failedAt` defaults to a distinct millisecond per call. */
export function aDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  sequence += 1;
  return {
    jobId: randomUUID(),
    alert: anAlert({ seq: String(sequence) }),
    targetName: 'audit',
    targetType: 'webhook',
    targetConfig: { url: 'https://audit.example.com/alerts', format: 'webhook' },
    priority: 'medium',
    errorType: 'transient',
    errorReason: 'server_error',
    httpStatus: 503,
    errorMessage: 'HTTP 503 from audit',
    retryCount: 3,
    lastRetryAt: Date.parse('2026-11-29T11:00:00Z') + sequence,
    failedAt: Date.parse('2026-11-29T11:00:00Z') + sequence,
    submittedAt: Date.parse('2026-11-29T10:59:00Z') + sequence,
    submitSeq: sequence,
    attempts: [],
    ...overrides,
  };
}

/** A journal in `dataDir` for a database of its own (a fresh id), masking `secrets`. */
export function aJournal(dataDir: string, secrets: readonly string[] = []): Journal {
  return createJournal(dataDir, {
    databaseId: randomUUID(),
    databaseName: 'test-db',
    mask: createSecretMask(secrets),
  });
}

export function aTarget(name: string, overrides: Partial<Target> = {}): Target {
  return {
    name,
    type: 'webhook',
    enabled: true,
    publisher: {
      publish: () => Promise.resolve({ ok: true }),
      close: () => Promise.resolve(),
    },
    endpoint: `https://${name}.example.com/`,
    timeoutMs: 10_000,
    retry: {
      maxRetries: 3,
      baseMs: 2000,
      factor: 2,
      maxDelayMs: 30_000,
      jitterMs: 1000,
      maxRetryAfterMs: 300_000,
      maxJobAgeMs: 3_600_000,
    },
    redactedConfig: { url: `https://${name}.example.com/` },
    ...overrides,
  };
}

/**
 * A PublishingEngine fake: accepts jobs (or answers `refuseWith`), keeps what was submitted,
 * and lets the test finish a job to drive onJobFinished listeners.
 */
export interface FakeEngine extends PublishingEngine {
  readonly submitted: JobRequest[];
  refuseWith: SubmitResult | undefined;
  /** Ids of the jobs accepted so far, in order. */
  jobIds(): string[];
  finish(jobId: string, state: 'succeeded' | 'dlq' | 'superseded'): void;
  /** Newest alert states by chainKey, `target\u0000fingerprint` (replay checks read them). */
  readonly newest: Map<string, StateOfJob>;
  /** Breaker states by target; a target not here is closed. */
  readonly breakers: Map<string, BreakerState>;
}

export function createFakeEngine(): FakeEngine {
  const listeners: JobFinishedListener[] = [];
  const jobs = new Map<string, JobRequest>();
  const engine: FakeEngine = {
    submitted: [],
    refuseWith: undefined,
    newest: new Map(),
    breakers: new Map(),
    submit(requests) {
      if (engine.refuseWith !== undefined) return Promise.resolve(engine.refuseWith);
      const jobIds = requests.map((request) => {
        const id = randomUUID();
        jobs.set(id, request);
        engine.submitted.push(request);
        return id;
      });
      return Promise.resolve({ ok: true, jobIds });
    },
    jobIds: () => [...jobs.keys()],
    sendAsProbe: (_target, send) => send(),
    finish(jobId, state) {
      const request = jobs.get(jobId);
      if (request === undefined) throw new Error(`no job ${jobId}`);
      const snapshot: JobSnapshot = {
        id: jobId,
        fingerprint: request.alert.fingerprint,
        alertname: request.alert.labels['alertname'] ?? '',
        alertStatus: request.alert.status,
        target: request.target,
        priority: 'medium',
        history: [],
        state,
        attempts: 1,
        retries: 0,
        submittedAt: 0,
        updatedAt: 0,
      };
      if (request.replayOf !== undefined) snapshot.replayOf = request.replayOf;
      for (const listener of listeners) listener(snapshot);
    },
    getJob: () => Promise.resolve(undefined),
    listJobs: () => Promise.resolve([]),
    jobsOf: () => Promise.resolve([]),
    status: () => ({
      lanes: {
        high: lane(),
        medium: lane(),
        low: lane(),
      },
      retrying: 0,
      inFlight: 0,
      workers: 0,
      busyWorkers: 0,
      stopping: false,
      instance: 'fake-dlq',
    }),
    stats: () => ({
      submitted: engine.submitted.length,
      succeeded: 0,
      deadLettered: 0,
      superseded: 0,
      retried: 0,
      attempts: 0,
      failedAttempts: 0,
      successRate: 1,
      deadLetteredByReason: {},
      breakers: {},
    }),
    breakerState: (target) => engine.breakers.get(target) ?? 'closed',
    breakerOpenedAt: () => undefined,
    targetJobs: () => ({ active: 0 }),
    targetRate: () => undefined,
    newestStates(chains) {
      const found = new Map<string, StateOfJob>();
      for (const chain of chains) {
        const state = engine.newest.get(chainKey(chain));
        if (state !== undefined) found.set(chainKey(chain), state);
      }
      return Promise.resolve(found);
    },
    reconfigure: () => Promise.resolve(emptyReconfigureSummary()),
    onJobFinished(listener) {
      listeners.push(listener);
    },
    stop: () => Promise.resolve(),
  };
  return engine;
}

function lane(): LaneStatus {
  return { size: 0, capacity: 0, queued: 0, retrying: 0, failed: 0, oldestDueAgeMs: 0 };
}

/** For assert.rejects: an AppError with `code`. */
export const withCode = (code: AppErrorCode) => (error: unknown) =>
  error instanceof AppError && error.code === code;

/** Writes `letters` and returns their entries in the order written. */
export async function storeLetters(
  repo: DlqRepository,
  letters: readonly DeadLetter[] = [aDeadLetter()],
): Promise<DlqEntry[]> {
  await repo.write(letters);
  return (await repo.list({ filter: {} })).entries.reverse();
}

/** What each bulk-replay test starts from. */
export interface ReplayTestState {
  repo: DlqRepository;
  engine: FakeEngine;
  /** The configured targets: `audit`; a test may add more. */
  targets: Map<string, Target>;
  deps: ReplayDeps;
}

/**
 * The hook of a bulk-replay test file: before each test an empty DLQ, a fresh fake engine and
 * the target `audit`, handed to `onEach`.
 */
export function replaySuite(
  ctx: DatabaseContext,
  clock: Clock,
  onEach: (state: ReplayTestState) => void,
): void {
  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
    const repo = createDlqRepository({ db: ctx.db(), clock });
    const engine = createFakeEngine();
    const targets = new Map([['audit', aTarget('audit')]]);
    onEach({ repo, engine, targets, deps: { repo, engine, targets } });
  });
}
