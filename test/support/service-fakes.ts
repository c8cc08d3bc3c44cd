/* eslint-disable @typescript-eslint/require-await -- fakes of async ports that answer at once */
import { Registry } from 'prom-client';

import { AppError } from '../../src/domain/errors.js';
import type { DlqEntry } from '../../src/dlq/dlq-entry.js';
import type { DlqOperations } from '../../src/dlq/dlq-operations.js';
import type { AlertHistory } from '../../src/history/alert-history.js';
import type { AlertSummary } from '../../src/history/alert-list.js';
import { readAlertTimeline } from '../../src/history/alert-timeline.js';
import type { AlertResult } from '../../src/domain/alert.js';
import type { ServerDeps, TargetView } from '../../src/http/ports.js';
import type { PublishingEngine } from '../../src/engine/publishing-engine.js';
import { aDlqEntry, createMemoryDlq } from './service-fake-dlq.js';
import type { FakeEngine } from './service-fake-engine.js';
import { createFakeEngine } from './service-fake-engine.js';
import { createSimpleIngest } from './service-fake-ingest.js';

/**
 * Fakes of the server's ports for route tests: an engine that admits or refuses as told, an
 * in-memory DLQ with the repository's semantics (409 on a second replay), a minimal ingest.
 * The end-to-end tests use the real modules instead.
 */

/**
 * The alert routes' port over the fake engine and DLQ: the real timeline assembly, with no
 * recorded states; the list answers `listed`, filtered by alertname only.
 */
export function createFakeAlertHistory(
  engine: PublishingEngine,
  dlq: DlqOperations,
  targetNames: readonly string[],
  listed: AlertSummary[],
): AlertHistory {
  return {
    list: async (filter) =>
      listed
        .filter((a) => filter.alertname === undefined || a.alertname === filter.alertname)
        .slice(0, filter.limit),
    timeline: (fingerprint) =>
      readAlertTimeline(
        {
          engine,
          dlq,
          readStates: async () => [],
          targetNames: () => targetNames,
          jobsFrom: 'memory',
        },
        fingerprint,
      ),
  };
}

export interface FakeDeps extends ServerDeps {
  engine: FakeEngine;
  entries: DlqEntry[];
  received: Record<AlertResult, number>;
  /** What the fake alerts list answers. */
  listed: AlertSummary[];
}

export function createFakeDeps(overrides: Partial<Omit<ServerDeps, 'engine'>> = {}): FakeDeps {
  const engine = createFakeEngine();
  const entries = [
    aDlqEntry(),
    aDlqEntry({ target_name: 'chat', error_type: 'permanent', error_reason: 'client_error' }),
  ];
  const targetViews: TargetView[] = [
    {
      name: 'hook',
      type: 'webhook',
      enabled: true,
      config: { url: 'http://127.0.0.1:9/hook', headers: { authorization: '[redacted]' } },
      breaker: 'closed',
      activeJobs: 0,
    },
    { name: 'off', type: 'log', enabled: false, config: {}, breaker: 'closed', activeJobs: 0 },
  ];
  const received: Record<AlertResult, number> = {
    routed: 0,
    unrouted: 0,
    rejected: 0,
    truncated: 0,
  };
  const dlq = createMemoryDlq(entries, engine);
  const listed: AlertSummary[] = [];
  return {
    engine,
    entries,
    received,
    listed,
    dlq,
    alerts: createFakeAlertHistory(
      engine,
      dlq,
      targetViews.map((t) => t.name),
      listed,
    ),
    targets: {
      list: () => targetViews,
      get: (name) => targetViews.find((t) => t.name === name),
      test: async (name) => {
        if (!targetViews.some((t) => t.name === name))
          throw new AppError('not_found', `target "${name}" is not configured`);
        return { ok: true, status: 200, latencyMs: 3, message: 'delivered' };
      },
    },
    ingest: createSimpleIngest(targetViews),
    metrics: {
      alertsReceived: (result, count) => {
        received[result] += count;
      },
    },
    readiness: { mode: 'memory', databaseReachable: () => Promise.resolve(true) },
    registry: new Registry(),
    laneMaxWaitMs: { medium: 10_000, low: 60_000 },
    history: {
      intervalMs: 10_000,
      windowMs: 900_000,
      buckets: () => [],
      activity: () => ({}),
    },
    auth: { apiToken: '', readToken: '', webhookToken: '' },
    reload: () =>
      Promise.resolve({
        ok: true,
        summary: { added: [], removed: [], changed: [], deadLettered: 0, deadLetterDeferred: [] },
        restartRequired: [],
        maxAlertsBound: { before: null, after: null },
      }),
    allowedHosts: [],
    bodyLimitBytes: 1024 * 1024,
    connections: {
      maxConnections: 512,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      idleTimeoutMs: 60_000,
    },
    admissionRetryAfterMs: 5_000,
    now: () => Date.parse('2026-11-29T12:00:00Z'),
    version: '0.0.0-test',
    ...overrides,
  };
}
