import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';
import type { InjectOptions } from 'fastify';

import type { QUEUE_MODES } from '../../src/domain/job.js';

type QueueMode = (typeof QUEUE_MODES)[number];
import { isPostgresReachable } from '../support/databases.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';
import { migratedScratchDatabase } from '../engine/durable/support/scratch-database.js';
import type { ScratchDatabase } from '../engine/durable/support/scratch-database.js';
import { hostileJson, hostileQueryValue } from './hostile-values.js';

/**
 * Issue 14, defect 5: every query parameter, path parameter and body field of every route,
 * 1 000 generated values each, through the real app and its database: the answer is never
 * a 5xx. (Requests go through Fastify's inject: the values matter here, not the sockets; the
 * service fuzz test sends hostile requests over loopback.)
 */
const RUNS = 1_000;

type Method = 'GET' | 'POST' | 'DELETE';

interface FuzzedField {
  /** `GET /api/v2/publishing/dlq ?target` */
  label: string;
  arbitrary: fc.Arbitrary<unknown>;
  request(value: unknown): InjectOptions;
}

function queryField(method: Method, path: string, name: string): FuzzedField {
  return {
    label: `${method} ${path} ?${name}`,
    arbitrary: hostileQueryValue,
    request: (value) => ({ method, url: `${path}?${name}=${String(value)}` }),
  };
}

function pathField(method: Method, template: string): FuzzedField {
  return {
    label: `${method} ${template}`,
    arbitrary: hostileQueryValue,
    request: (value) => ({ method, url: template.replace(/:[a-z]+|\*/, String(value)) }),
  };
}

function bodyField(
  method: Method,
  path: string,
  base: unknown,
  at: (string | number)[],
): FuzzedField {
  return {
    label: `${method} ${path} body.${at.join('.')}`,
    arbitrary: hostileJson,
    request: (value) => ({
      method,
      url: path,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(withValueAt(base, at, value)),
    }),
  };
}

/** A deep copy of `base` with `value` at `at` (keys defined as data). */
function withValueAt(base: unknown, at: readonly (string | number)[], value: unknown): unknown {
  const [head, ...rest] = at;
  if (head === undefined) return value;
  const inner = rest.length === 0 ? value : withValueAt(childOf(base, head), rest, value);
  if (Array.isArray(base)) return base.map((item: unknown, i) => (i === head ? inner : item));
  const copy = Object.entries(typeof base === 'object' && base !== null ? base : {});
  return Object.fromEntries([...copy.filter(([key]) => key !== head), [String(head), inner]]);
}

function childOf(value: unknown, key: string | number): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
}

const ALERT = {
  status: 'firing',
  labels: { alertname: 'Fuzz', team: 'fuzz' },
  annotations: { summary: 's' },
  startsAt: '2026-11-29T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus/graph',
  fingerprint: '0123456789abcdef',
};
const WEBHOOK = { version: '4', groupKey: '{}', alerts: [ALERT] };
const SUBMIT = {
  alert: { labels: { alertname: 'Fuzz' } },
  classification: { severity: 'info', confidence: 0.5, reasoning: 'r', recommendations: ['x'] },
  targets: ['sink'],
};
const BULK = { filters: { target: 'sink' }, limit: 5, dry_run: true };
const DLQ = '/api/v2/publishing/dlq';
const JOBS = '/api/v2/publishing/queue/jobs';

const ALERT_FIELDS = Object.keys(ALERT).map((key) => [key]);
const FILTERS = [
  'target',
  'error_type',
  'reason',
  'priority',
  'replayed',
  'possibly_delivered',
  'fingerprint',
];
const TIMES = ['failed_after', 'failed_before'];

/** Routes without parameters: an unknown query parameter on any of them. */
const PLAIN_ROUTES = [
  '/healthz',
  '/readyz',
  '/metrics',
  '/api/v2/publishing/access',
  '/api/v2/publishing/queue/status',
  '/api/v2/publishing/queue/stats',
  '/api/v2/publishing/queue/history',
  `${DLQ}/stats`,
  '/api/v2/publishing/targets',
];

const ALL_FIELDS: FuzzedField[] = [
  bodyField('POST', '/webhook', WEBHOOK, ['version']),
  bodyField('POST', '/webhook', WEBHOOK, ['groupKey']),
  bodyField('POST', '/webhook', WEBHOOK, ['alerts']),
  bodyField('POST', '/webhook', WEBHOOK, ['alerts', 0]),
  ...ALERT_FIELDS.map((at) => bodyField('POST', '/webhook', WEBHOOK, ['alerts', 0, ...at])),
  bodyField('POST', '/webhook', WEBHOOK, ['alerts', 0, 'labels', 'alertname']),
  bodyField('POST', '/webhook', WEBHOOK, ['alerts', 0, 'labels', 'extra']),
  bodyField('POST', '/webhook', WEBHOOK, ['alerts', 0, 'annotations', 'summary']),
  ...[
    ['alert'],
    ['alert', 'labels'],
    ['alert', 'labels', 'alertname'],
    ['alert', 'annotations'],
    ['alert', 'status'],
    ['alert', 'startsAt'],
    ['alert', 'fingerprint'],
    ['classification'],
    ['classification', 'severity'],
    ['classification', 'confidence'],
    ['classification', 'reasoning'],
    ['classification', 'recommendations'],
    ['classification', 'recommendations', 0],
    ['targets'],
    ['targets', 0],
  ].map((at) => bodyField('POST', '/api/v2/publishing/queue/submit', SUBMIT, at)),
  ...['state', 'priority', 'target', 'limit'].map((name) => queryField('GET', JOBS, name)),
  pathField('GET', `${JOBS}/:id`),
  ...[...FILTERS, ...TIMES, 'limit', 'offset', 'before'].map((name) =>
    queryField('GET', DLQ, name),
  ),
  bodyField('POST', `${DLQ}/replay`, BULK, ['filters']),
  ...[...FILTERS, ...TIMES].map((name) =>
    bodyField('POST', `${DLQ}/replay`, BULK, ['filters', name]),
  ),
  bodyField('POST', `${DLQ}/replay`, BULK, ['limit']),
  bodyField('POST', `${DLQ}/replay`, BULK, ['dry_run']),
  queryField('DELETE', `${DLQ}/purge`, 'older_than'),
  ...['alertname', 'target', 'state', 'limit'].map((name) =>
    queryField('GET', '/api/v2/publishing/alerts', name),
  ),
  pathField('GET', '/api/v2/publishing/alerts/:fingerprint'),
  pathField('GET', `${DLQ}/:id`),
  pathField('POST', `${DLQ}/:id/replay`),
  queryField('POST', `${DLQ}/00000000-0000-4000-8000-000000000000/replay`, 'force'),
  pathField('DELETE', `${DLQ}/:id`),
  pathField('GET', '/api/v2/publishing/targets/:name'),
  pathField('POST', '/api/v2/publishing/targets/:name/test'),
  pathField('GET', '/ui/*'),
  {
    label: 'GET (every route without parameters) ?unknown',
    arbitrary: fc
      .tuple(fc.constantFrom(...PLAIN_ROUTES), hostileQueryValue)
      .map(([path, query]) => `${path}?${query}=${query}`),
    request: (url) => ({ method: 'GET', url: String(url) }),
  },
];

/** What durable mode answers from its database instead of memory. */
const DURABLE_FIELDS = ALL_FIELDS.filter(
  (field) =>
    field.label.startsWith(`GET ${JOBS}`) ||
    field.label.startsWith('GET /api/v2/publishing/alerts') ||
    field.label.endsWith('body.alerts.0.labels.extra') ||
    field.label.endsWith('body.alerts.0.startsAt') ||
    field.label.endsWith('body.alerts.0.endsAt') ||
    field.label.endsWith('body.classification.reasoning'),
);

function yaml(mode: QueueMode, sinkUrl: string): string {
  return `
queue:
  mode: ${mode}
  capacity: { high: 100000, medium: 100000, low: 100000 }
targets:
  - { name: sink, type: webhook, url: "${sinkUrl}/hook", match: ['team="fuzz"'] }
`;
}

const postgres = await isPostgresReachable();

for (const [mode, fields] of [
  ['memory', ALL_FIELDS],
  ['durable', DURABLE_FIELDS],
] as const) {
  describe(`every field of every route, ${RUNS} hostile values each (${mode} mode)`, () => {
    if (mode === 'durable' && !postgres) {
      it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let sink: TargetServer;
    let database: ScratchDatabase | undefined;
    let app: RunningApp;

    let consoleDir: string;

    before(async () => {
      sink = await startTargetServer();
      database = postgres ? await migratedScratchDatabase(2) : undefined;
      // A console of two files, so /ui/* answers from its handler (unbuilt, it is a 503 by design).
      consoleDir = await mkdtemp(join(tmpdir(), 'fuzz-console-'));
      await writeFile(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
      await writeFile(join(consoleDir, 'app-ABCDEFGH.js'), 'export {};');
      app = await startApp({
        yaml: yaml(mode, sink.url),
        clock: createFakeClock(),
        consoleDir,
        ...(database === undefined ? {} : { databaseUrl: database.url }),
      });
    });
    after(async () => {
      await app.stop();
      await sink.close();
      await database?.drop();
      await rm(consoleDir, { recursive: true, force: true });
    });

    for (const field of fields) {
      it(`${field.label}: no 5xx`, async () => {
        const { fastify } = app.app.server;
        await fc.assert(
          fc.asyncProperty(field.arbitrary, async (value) => {
            const request = field.request(value);
            const response = await fastify.inject(request);
            assert.ok(
              response.statusCode < 500,
              `${response.statusCode} for ${JSON.stringify(request).slice(0, 400)}: ${response.body.slice(0, 300)}`,
            );
          }),
          { numRuns: RUNS, includeErrorInReport: true },
        );
      });
    }
  });
}
