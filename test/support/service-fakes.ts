/* eslint-disable @typescript-eslint/require-await -- fakes of async ports that answer at once */
import { randomUUID } from 'node:crypto';

import { Registry } from 'prom-client';

import type { RejectedAlert } from '../../src/ingest/alertmanager-payload.js';
import type { Alert } from '../../src/domain/alert.js';
import { AppError } from '../../src/domain/errors.js';
import { fingerprintOf } from '../../src/domain/fingerprint.js';
import type { JobSnapshot } from '../../src/domain/job.js';
import type { DlqEntry, DlqFilter } from '../../src/dlq/dlq-entry.js';
import type { DlqOperations } from '../../src/dlq/dlq-operations.js';
import type { AlertHistory } from '../../src/history/alert-history.js';
import type { AlertSummary } from '../../src/history/alert-list.js';
import { readAlertTimeline } from '../../src/history/alert-timeline.js';
import type { AlertResult, Ingest, ServerDeps, TargetView } from '../../src/http/ports.js';
import type {
  JobRequest,
  PublishingEngine,
  SubmitResult,
} from '../../src/engine/publishing-engine.js';
import { anAlert } from './builders.js';

/**
 * Fakes of the server's ports for route tests: an engine that admits or refuses as told, an
 * in-memory DLQ with the repository's semantics (409 on a second replay), a minimal ingest.
 * The end-to-end tests use the real modules instead.
 */

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
    targetRate: () => undefined,
    onJobFinished: () => undefined,
    newestState: () => Promise.resolve(undefined),
    reconfigure: () => Promise.resolve({ added: [], removed: [], changed: [], deadLettered: 0 }),
    stop: () => Promise.resolve(),
  };
  return engine;
}

export function aDlqEntry(overrides: Partial<DlqEntry> = {}): DlqEntry {
  const alert = anAlert({ severity: 'warning' });
  return {
    id: randomUUID(),
    job_id: randomUUID(),
    fingerprint: alert.fingerprint,
    target_name: 'hook',
    target_type: 'webhook',
    enriched_alert: { alert },
    target_config: { url: 'http://127.0.0.1:9/hook' },
    error_message: 'HTTP 503',
    error_type: 'transient',
    error_reason: 'server_error',
    http_status: 503,
    retry_count: 3,
    last_retry_at: '2026-11-29T11:59:00.000Z',
    priority: 'medium',
    failed_at: '2026-11-29T11:59:00.000Z',
    created_at: '2026-11-29T11:59:00.000Z',
    updated_at: '2026-11-29T11:59:00.000Z',
    replayed: false,
    replayed_at: null,
    replay_result: null,
    replay_job_id: null,
    replay_of: null,
    submitted_at: '2026-11-29T11:58:00.000Z',
    attempts: [],
    possibly_delivered: false,
    ...overrides,
  };
}

function matches(entry: DlqEntry, filter: DlqFilter): boolean {
  if (filter.target !== undefined && entry.target_name !== filter.target) return false;
  if (filter.error_type !== undefined && entry.error_type !== filter.error_type) return false;
  if (filter.priority !== undefined && entry.priority !== filter.priority) return false;
  if (filter.replayed !== undefined && entry.replayed !== filter.replayed) return false;
  if (filter.fingerprint !== undefined && entry.fingerprint !== filter.fingerprint) return false;
  return true;
}

export function createMemoryDlq(entries: DlqEntry[], engine: PublishingEngine): DlqOperations {
  const find = (id: string): DlqEntry => {
    const entry = entries.find((e) => e.id === id);
    if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
    return entry;
  };
  return {
    list: async ({ filter, limit = 100, offset = 0 }) => {
      const all = entries.filter((entry) => matches(entry, filter));
      return {
        entries: all.slice(offset, offset + limit),
        total: all.length,
        total_is_lower_bound: false,
        limit,
        offset,
        next_cursor: null,
      };
    },
    stats: async () => ({
      total: entries.length,
      replayed: entries.filter((e) => e.replayed).length,
      by_error_type: {},
      by_target: {},
      by_priority: {},
      by_target_reason: [],
      oldest_failed_at: null,
      newest_failed_at: null,
    }),
    get: async (id) => find(id),
    remove: async (id) => {
      entries.splice(entries.indexOf(find(id)), 1);
    },
    purge: async (olderThanMs) => {
      const cutoff = Date.parse('2026-11-29T12:00:00Z') - olderThanMs;
      const old = entries.filter((e) => Date.parse(e.failed_at) < cutoff);
      for (const e of old) entries.splice(entries.indexOf(e), 1);
      return old.length;
    },
    replay: async (id) => {
      const entry = find(id);
      if (entry.replayed)
        throw new AppError('already_replayed', `DLQ entry ${id} was already replayed`);
      const result = await engine.submit([
        { alert: entry.enriched_alert.alert, target: entry.target_name, replayOf: id },
      ]);
      if (!result.ok) throw new AppError('queue_full', 'queue full', { retryAfterMs: 2000 });
      entry.replayed = true;
      const jobId = result.jobIds[0] ?? '';
      entry.replay_job_id = jobId;
      return { jobId };
    },
    replayMatching: async ({ filter, limit, dryRun }) => {
      const picked = entries.filter((e) => !e.replayed && matches(e, filter)).slice(0, limit);
      if (dryRun) return { matched: picked.length, replayed: 0, skippedSuperseded: 0, jobIds: [] };
      const jobIds: string[] = [];
      for (const entry of picked) {
        entry.replayed = true;
        jobIds.push(randomUUID());
      }
      return { matched: picked.length, replayed: picked.length, skippedSuperseded: 0, jobIds };
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toAlert(raw: unknown, at: string): Alert | RejectedAlert['reason'] {
  if (!isRecord(raw) || !isRecord(raw['labels'])) return `${at}.labels: required`;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw['labels'])) {
    if (typeof value !== 'string') return `${at}.labels.${key}: expected a string`;
    labels[key] = value;
  }
  if (labels['alertname'] === undefined) return `${at}.labels.alertname: required`;
  return anAlert(labels, { fingerprint: fingerprintOf(labels) });
}

/** Enough of ingest to exercise the routes: alertname required, every enabled target matches. */
export function createSimpleIngest(targets: readonly TargetView[]): Ingest {
  return {
    parseWebhook(body) {
      if (!isRecord(body) || !Array.isArray(body['alerts'])) {
        return { ok: false, details: [{ path: 'alerts', message: 'required' }] };
      }
      const alerts: Alert[] = [];
      const rejected: RejectedAlert[] = [];
      body['alerts'].forEach((raw: unknown, index: number) => {
        const alert = toAlert(raw, `alerts[${index}]`);
        if (typeof alert === 'string') rejected.push({ index, reason: alert });
        else alerts.push(alert);
      });
      if (alerts.length === 0) {
        return {
          ok: false,
          details: rejected.map((r) => ({ path: `alerts[${r.index}]`, message: r.reason })),
        };
      }
      return { ok: true, alerts, rejected };
    },
    parseSubmit(body) {
      if (!isRecord(body))
        return { ok: false, details: [{ path: '', message: 'expected a JSON object' }] };
      const alert = toAlert(body['alert'], 'alert');
      if (typeof alert === 'string')
        return { ok: false, details: [{ path: 'alert', message: alert }] };
      const named = body['targets'];
      return Array.isArray(named)
        ? {
            ok: true,
            request: { alert, targets: named.filter((n): n is string => typeof n === 'string') },
          }
        : { ok: true, request: { alert } };
    },
    route(alerts, options = {}) {
      const names = options.targetNames;
      if (names !== undefined) {
        for (const name of names) {
          const target = targets.find((t) => t.name === name);
          if (target === undefined)
            return {
              ok: false,
              code: 'unknown_target',
              target: name,
              message: `target ${name} is not configured`,
            };
          if (!target.enabled)
            return {
              ok: false,
              code: 'target_disabled',
              target: name,
              message: `target ${name} is disabled`,
            };
        }
      }
      const chosen = names ?? targets.filter((t) => t.enabled).map((t) => t.name);
      const requests: JobRequest[] = [];
      const unrouted: Alert[] = [];
      for (const alert of alerts) {
        const mine = alert.labels['route'] === 'none' && names === undefined ? [] : chosen;
        if (mine.length === 0) unrouted.push(alert);
        for (const target of mine) {
          requests.push(
            options.classification === undefined
              ? { alert, target }
              : { alert, classification: options.classification, target },
          );
        }
      }
      return { ok: true, requests, unrouted };
    },
  };
}

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
    },
    { name: 'off', type: 'log', enabled: false, config: {}, breaker: 'closed' },
  ];
  const received: Record<AlertResult, number> = { routed: 0, unrouted: 0, rejected: 0 };
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
        summary: { added: [], removed: [], changed: [], deadLettered: 0 },
        restartRequired: [],
      }),
    bodyLimitBytes: 1024 * 1024,
    connections: {
      maxConnections: 512,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      idleTimeoutMs: 60_000,
    },
    admissionRetryAfterMs: 5_000,
    version: '0.0.0-test',
    ...overrides,
  };
}
