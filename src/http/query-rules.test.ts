import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { call, startServer } from '../../test/support/service-http.js';

const API = '/api/v2/publishing';
const ID = '00000000-0000-4000-8000-000000000000';

/** Every GET route of the API (docs/api.md), with valid path parameters. */
const API_READS = [
  `${API}/queue/status`,
  `${API}/queue/stats`,
  `${API}/queue/history`,
  `${API}/queue/jobs`,
  `${API}/queue/jobs/${ID}`,
  `${API}/alerts`,
  `${API}/alerts/0123456789abcdef`,
  `${API}/dlq`,
  `${API}/dlq/stats`,
  `${API}/dlq/${ID}`,
  `${API}/targets`,
  `${API}/targets/hook`,
  `${API}/access`,
];

function errorOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
}

describe('query rules shared by every API route, over a real socket', () => {
  let running: RunningServer;
  let url: string;

  before(async () => {
    running = await startServer(createFakeDeps());
    url = running.url;
  });
  after(async () => running.close());

  for (const path of API_READS) {
    it(`GET ${path} refuses an unknown query key with a 400 naming query.bogus`, async () => {
      const res = await call(url, 'GET', `${path}?bogus=1`);
      assert.equal(res.status, 400);
      assert.deepEqual(errorOf(res.body), {
        code: 'invalid_request',
        message: 'query.bogus: unknown field',
        details: [{ path: 'query.bogus', message: 'unknown field' }],
      });
    });
  }

  for (const path of ['/healthz', '/readyz', '/metrics', '/ui/', '/ui/index.html']) {
    it(`GET ${path} ignores a query (probes and cache-busters add them)`, async () => {
      const plain = await call(url, 'GET', path);
      const queried = await call(url, 'GET', `${path}?_=1&_=2&probe`);
      assert.equal(queried.status, plain.status);
      assert.notEqual(queried.status, 400);
    });
  }

  for (const [method, path, key] of [
    ['GET', `${API}/queue/jobs?limit=1&limit=2`, 'limit'],
    ['GET', `${API}/dlq?target=chat&target=hook`, 'target'],
    ['GET', `${API}/alerts?state=firing&state=firing`, 'state'],
    ['DELETE', `${API}/dlq/purge?older_than=1h&older_than=2h`, 'older_than'],
    ['POST', `${API}/dlq/${ID}/replay?force=true&force=false`, 'force'],
  ] as const) {
    it(`${method} ${path} says query.${key} was given more than once`, async () => {
      const res = await call(url, method, path);
      assert.equal(res.status, 400);
      assert.deepEqual(errorOf(res.body), {
        code: 'invalid_request',
        message: `query.${key}: given more than once`,
        details: [{ path: `query.${key}`, message: 'given more than once' }],
      });
    });
  }

  it('calls a repeated unknown key unknown, not repeated', async () => {
    const res = await call(url, 'GET', `${API}/targets?bogus=1&bogus=2`);
    assert.equal(res.status, 400);
    assert.deepEqual(errorOf(res.body), {
      code: 'invalid_request',
      message: 'query.bogus: unknown field',
      details: [{ path: 'query.bogus', message: 'unknown field' }],
    });
  });

  for (const [path, key] of [
    [`${API}/queue/jobs?limit=Infinity`, 'limit'],
    [`${API}/dlq?limit=1e309`, 'limit'],
    [`${API}/dlq?offset=1e309`, 'offset'],
  ] as const) {
    it(`GET ${path} says query.${key} must be a finite number`, async () => {
      const res = await call(url, 'GET', path);
      assert.equal(res.status, 400);
      assert.deepEqual(errorOf(res.body), {
        code: 'invalid_request',
        message: `query.${key}: must be a finite number`,
        details: [{ path: `query.${key}`, message: 'must be a finite number' }],
      });
    });
  }
});
