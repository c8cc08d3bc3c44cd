import { gzipSync } from 'node:zlib';

import fc from 'fast-check';

import { hostileJson, hostileQueryValue, hostileText, percentEncode } from './hostile-values.js';

/**
 * The requests test/hostile/service-fuzz.test.ts sends the service as a process: hostile
 * queries on every route, hostile webhook bodies under every content type and encoding, raw
 * malformed HTTP, gzip bombs and bodies over the limit.
 */
export const API_TOKEN = 'api-token-fuzz-0001';

export type HostileRequest =
  | { kind: 'http'; method: string; path: string; headers: Record<string, string>; body?: Buffer }
  | { kind: 'raw'; bytes: Buffer };

const ROUTES: Array<[string, string]> = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/api/v2/publishing/access'],
  ['GET', '/api/v2/publishing/queue/status'],
  ['GET', '/api/v2/publishing/queue/stats'],
  ['GET', '/api/v2/publishing/queue/history'],
  ['GET', '/api/v2/publishing/queue/jobs'],
  ['GET', '/api/v2/publishing/queue/jobs/:id'],
  ['GET', '/api/v2/publishing/dlq'],
  ['GET', '/api/v2/publishing/dlq/stats'],
  ['GET', '/api/v2/publishing/dlq/:id'],
  ['POST', '/api/v2/publishing/dlq/:id/replay'],
  ['DELETE', '/api/v2/publishing/dlq/:id'],
  ['DELETE', '/api/v2/publishing/dlq/purge'],
  ['GET', '/api/v2/publishing/targets'],
  ['GET', '/api/v2/publishing/alerts'],
  ['GET', '/api/v2/publishing/alerts/:fingerprint'],
  ['POST', '/-/reload'],
  ['GET', '/api/v2/publishing/targets/:name'],
  ['POST', '/api/v2/publishing/targets/:name/test'],
  ['PUT', '/webhook'],
  ['PATCH', '/api/v2/publishing/dlq'],
  ['OPTIONS', '/webhook'],
];
const QUERY_NAMES = [
  'target',
  'state',
  'priority',
  'limit',
  'offset',
  'before',
  'error_type',
  'reason',
  'replayed',
  'fingerprint',
  'failed_after',
  'failed_before',
  'older_than',
  'force',
  'alertname',
  '__proto__',
];

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * A request target any HTTP client sends as is: characters RFC 3986 does not allow are
 * percent-encoded (malformed request lines are the raw requests' job).
 */
function wireSafe(path: string): string {
  return path.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/g, (char) =>
    [...Buffer.from(char)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''),
  );
}

export const JSON_TYPE = { 'content-type': 'application/json' };

/** An alert whose fields may each be hostile; it may reach the `echo` target (team="echo"). */
/** Mostly `valid`, sometimes any hostile JSON: most alerts pass and carry hostile text on. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostileJson });

/** An alert whose fields may each be hostile; most reach the `echo` target (team="echo"). */
const hostileAlert = fc.record(
  {
    status: mostly(fc.constantFrom('firing', 'resolved')),
    labels: mostly(
      fc
        .dictionary(hostileText, hostileText, { maxKeys: 4 })
        .map((labels) => ({ ...labels, alertname: 'Fuzz', team: 'echo' })),
    ),
    annotations: mostly(fc.dictionary(hostileText, hostileText, { maxKeys: 3 })),
    startsAt: mostly(fc.constant('2026-11-29T10:00:00Z')),
    generatorURL: mostly(hostileText),
    fingerprint: mostly(fc.stringMatching(/^[0-9a-f]{16}$/)),
  },
  { requiredKeys: ['status', 'labels'] },
);

const apiRequest: fc.Arbitrary<HostileRequest> = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    hostileQueryValue,
    fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), hostileQueryValue), { maxLength: 3 }),
    fc.constantFrom(undefined, `Bearer ${API_TOKEN}`, 'Bearer x', 'Basic ???', '\u00ff'),
  )
  .map(([[method, route], segment, query, authorization]): HostileRequest => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers['authorization'] = percentEncode(authorization);
    const search = query.map(([k, v]) => `${k}=${v}`).join('&');
    return {
      kind: 'http',
      method,
      path: wireSafe(`${route.replace(/:[a-z]+/, segment)}?${search}`),
      headers,
    };
  });

const webhookRequest: fc.Arbitrary<HostileRequest> = fc
  .oneof(
    fc.array(hostileAlert, { minLength: 1, maxLength: 4 }).map((alerts) => json({ alerts })),
    hostileJson.map((alerts) => json({ version: '4', alerts })),
    hostileJson.map(json),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(
      Buffer.from(
        '{"alerts": [{"labels": {"alertname": "x", "__proto__": "p"}}], "__proto__": {"polluted": 1}}',
      ),
      Buffer.from('{"alerts": [{"labels": {"alertname": "x", "v": "\\ud800\\u0000"}}]}'),
      Buffer.from('{"alerts": ['),
      Buffer.from(`${'['.repeat(100_000)}`),
      Buffer.from('{"alerts": 1e999999}'),
      Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
    ),
  )
  .chain((body) =>
    fc.constantFrom<HostileRequest>(
      { kind: 'http', method: 'POST', path: '/webhook', headers: JSON_TYPE, body },
      {
        kind: 'http',
        method: 'POST',
        path: '/api/v2/publishing/queue/submit',
        headers: JSON_TYPE,
        body,
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/api/v2/publishing/dlq/replay',
        headers: JSON_TYPE,
        body,
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { 'content-type': 'application/json; charset=utf-16' },
        body,
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { 'content-type': 'text/plain' },
        body,
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
        body: gzipSync(body),
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
        body,
      },
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { ...JSON_TYPE, 'content-encoding': 'br' },
        body,
      },
    ),
  );

const BOMB = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
const OVERSIZED = Buffer.alloc(1_100_000, 0x20);

const rawRequest: fc.Arbitrary<HostileRequest> = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc
      .constantFrom(
        'GET / HTTP/1.1\r\n\r\n',
        'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
        `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
        'POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n',
        'POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n',
        'GET /healthz\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /api/v2/publishing/dlq?target=\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      )
      .map((text) => Buffer.from(text, 'latin1')),
  )
  .map((bytes) => ({ kind: 'raw', bytes }));

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.oneof(
  { weight: 25, arbitrary: apiRequest },
  { weight: 25, arbitrary: webhookRequest },
  { weight: 5, arbitrary: rawRequest },
  {
    // A megabyte each: a few dozen are enough to show the limit holds.
    weight: 1,
    arbitrary: fc.constantFrom<HostileRequest>(
      {
        kind: 'http',
        method: 'POST',
        path: '/webhook',
        headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
        body: BOMB,
      },
      { kind: 'http', method: 'POST', path: '/webhook', headers: JSON_TYPE, body: OVERSIZED },
    ),
  },
);
