import { randomUUID } from 'node:crypto';

import type { JobSnapshot } from '../../src/domain/job.js';
import type {
  JobRequest,
  PublishingEngine,
  SubmitResult,
} from '../../src/engine/publishing-engine.js';
import { emptyReconfigureSummary } from '../../src/engine/publishing-engine.js';

export interface FakeEngine extends PublishingEngine {
  submitted: JobRequest[];
  nextResult: SubmitResult | undefined;
  jobs: Map<string, JobSnapshot>;
}

export function createFakeEngine(): FakeEngine {
  const engine: FakeEngine = {
    submitted: [],
    nextResult: undefined,
    jobs: new Map(),
    submit(requests) {
      if (engine.nextResult !== undefined) return Promise.resolve(engine.nextResult);
      engine.submitted.push(...requests);
      const jobIds = requests.map((request) => {
        const id = randomUUID();
        engine.jobs.set(id, {
          id,
          fingerprint: request.alert.fingerprint,
          alertname: request.alert.labels['alertname'] ?? '',
          alertStatus: request.alert.status,
          target: request.target,
          priority: 'medium',
          state: 'queued',
          history: [],
          attempts: 0,
          retries: 0,
          submittedAt: Date.parse('2026-11-29T12:00:00Z'),
          updatedAt: Date.parse('2026-11-29T12:00:00Z'),
        });
        return id;
      });
      return Promise.resolve({ ok: true, jobIds });
    },
    getJob: (id) => Promise.resolve(engine.jobs.get(id)),
    sendAsProbe: (_target, send) => send(),
    jobsOf: (fingerprint, limit) =>
      Promise.resolve(
        [...engine.jobs.values()].filter((job) => job.fingerprint === fingerprint).slice(-limit),
      ),
    listJobs: (filter) =>
      Promise.resolve(
        [...engine.jobs.values()]
          .filter((job) => filter.state === undefined || job.state === filter.state)
          .filter((job) => filter.target === undefined || job.target === filter.target)
          .slice(0, filter.limit ?? 100),
      ),
    status: () => ({
      lanes: {
        high: { size: 0, capacity: 500, queued: 0, retrying: 0, failed: 0, oldestDueAgeMs: 0 },
        medium: {
          size: 1,
          capacity: 1000,
          queued: 1,
          retrying: 0,
          failed: 0,
          oldestDueAgeMs: 1500,
        },
        low: { size: 0, capacity: 500, queued: 0, retrying: 0, failed: 0, oldestDueAgeMs: 0 },
      },
      retrying: 0,
      inFlight: 0,
      workers: 10,
      busyWorkers: 0,
      stopping: false,
      instance: 'fake-1',
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
      breakers: { hook: { state: 'closed', consecutiveFailures: 0 } },
    }),
    breakerState: () => 'closed',
    breakerOpenedAt: () => undefined,
    targetJobs: () => ({ active: 0 }),
    targetRate: () => undefined,
    onJobFinished: () => undefined,
    newestStates: () => Promise.resolve(new Map()),
    reconfigure: () => Promise.resolve(emptyReconfigureSummary()),
    stop: () => Promise.resolve(),
  };
  return engine;
}
