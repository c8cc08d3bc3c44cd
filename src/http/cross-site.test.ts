import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { call, errorCode, startServer } from '../../test/support/service-http.js';
import { isCrossSite } from './cross-site.js';

describe('isCrossSite', () => {
  const host = '127.0.0.1:8080';
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['no browser headers (CLI, curl, Alertmanager)', { host }, false],
    [
      'same-origin fetch',
      { host, 'sec-fetch-site': 'same-origin', origin: `http://${host}` },
      false,
    ],
    ['typed by the user', { host, 'sec-fetch-site': 'none' }, false],
    ['another port of the same host', { host, 'sec-fetch-site': 'same-site' }, true],
    ['another site', { host, 'sec-fetch-site': 'cross-site' }, true],
    ['Origin of another host without Sec-Fetch-Site', { host, origin: 'http://evil.test' }, true],
    ['Origin of another port', { host, origin: 'http://127.0.0.1:9999' }, true],
    ['Origin null (sandboxed frame)', { host, origin: 'null' }, true],
    ['Origin of this host, other case', { host, origin: 'HTTP://127.0.0.1:8080' }, false],
  ];
  for (const [name, headers, expected] of cases) {
    it(`${expected ? 'refuses' : 'allows'}: ${name}`, () => {
      assert.equal(isCrossSite(headers), expected);
    });
  }
});

describe('writes from a page of another origin', () => {
  let deps: FakeDeps;
  let running: RunningServer;

  before(async () => {
    deps = createFakeDeps();
    running = await startServer(deps);
  });
  after(async () => running.close());

  const foreign = { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' };

  it('cannot replay a dead letter without a token, even from loopback', async () => {
    const entry = deps.entries[0];
    assert.ok(entry !== undefined);
    const res = await call(running.url, 'POST', `/api/v2/publishing/dlq/${entry.id}/replay`, {
      headers: foreign,
    });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.body), 'forbidden');
    assert.equal(entry.replayed, false);
    assert.equal(deps.engine.submitted.length, 0);
  });

  it('cannot purge or delete', async () => {
    const count = deps.entries.length;
    const purge = await call(running.url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=1s', {
      headers: foreign,
    });
    const entry = deps.entries[1];
    assert.ok(entry !== undefined);
    const remove = await call(running.url, 'DELETE', `/api/v2/publishing/dlq/${entry.id}`, {
      headers: foreign,
    });
    assert.deepEqual([purge.status, remove.status], [403, 403]);
    assert.equal(deps.entries.length, count);
  });

  it('may still read', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/dlq', { headers: foreign });
    assert.equal(res.status, 200);
  });

  it('leaves same-origin pages and clients without browser headers alone', async () => {
    const same = await call(running.url, 'POST', '/api/v2/publishing/targets/hook/test', {
      json: {},
      headers: {
        origin: running.url,
        'sec-fetch-site': 'same-origin',
      },
    });
    const cli = await call(running.url, 'POST', '/api/v2/publishing/targets/hook/test');
    assert.deepEqual([same.status, cli.status], [200, 200]);
  });
});

describe('writes with a Bearer token', () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer(
      createFakeDeps({ auth: { apiToken: 'w-token', readToken: '', webhookToken: '' } }),
    );
  });
  after(async () => running.close());

  it('are judged by the token alone: a browser cannot add one to a cross-site request', async () => {
    const res = await call(running.url, 'POST', '/api/v2/publishing/targets/hook/test', {
      token: 'w-token',
      headers: { origin: 'http://elsewhere.test', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(res.status, 200);
  });
});
