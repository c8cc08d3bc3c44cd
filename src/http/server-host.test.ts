import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../test/support/builders.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import type { Response, RunningServer } from '../../test/support/service-http.js';
import { call, errorCode, startServer } from '../../test/support/service-http.js';
import { hostHeaderName, namesThisServer } from './server-host.js';

describe('hostHeaderName', () => {
  const cases: Array<[string, string | undefined]> = [
    ['localhost:8080', 'localhost'],
    ['LocalHost', 'localhost'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['Publisher.Internal.:443', 'publisher.internal'],
    ['::1', undefined],
    ['evil.example@127.0.0.1', undefined],
    ['127.0.0.1:8080:80', undefined],
    ['[localhost]:8080', undefined],
    ['', undefined],
  ];
  for (const [host, expected] of cases) {
    it(`reads ${JSON.stringify(host)} as ${String(expected)}`, () => {
      assert.equal(hostHeaderName(host), expected);
    });
  }
});

describe('namesThisServer', () => {
  it('accepts loopback and unspecified names and addresses, with or without a port', () => {
    for (const host of [
      '0.0.0.0:8080',
      '[::]:8080',
      'localhost',
      'localhost:8080',
      'console.localhost:8080',
      '127.0.0.1:8080',
      '127.8.9.10',
      '[::1]:8080',
    ])
      assert.equal(namesThisServer(host, []), true, host);
  });

  it('refuses names that only look like loopback, and a missing Host', () => {
    for (const host of [
      'rebind.evil.example:8080',
      'localhost.evil.example',
      'evil-localhost',
      '127.0.0.1.nip.io',
      '10.0.0.5',
      '[::2]',
      undefined,
    ])
      assert.equal(namesThisServer(host, []), false, String(host));
  });

  it('accepts exactly the configured names besides', () => {
    const allowed = ['publisher.internal', 'fd00::5'];
    assert.equal(namesThisServer('Publisher.Internal:8080', allowed), true);
    assert.equal(namesThisServer('[fd00::5]:8080', allowed), true);
    assert.equal(namesThisServer('sub.publisher.internal', allowed), false);
  });
});

/** The tester's request: a page on rebind.evil.example whose name now resolves to 127.0.0.1. */
function asRebindingPage(running: RunningServer): Record<string, string> {
  const name = `rebind.evil.example:${new URL(running.url).port}`;
  return { host: name, origin: `http://${name}`, 'sec-fetch-site': 'same-origin' };
}

function messageOf(response: Response): string {
  const body = response.body as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? '';
}

describe('a loopback client without a token must name this server in Host (DNS rebinding)', () => {
  let deps: FakeDeps;
  let running: RunningServer;
  let port: string;

  before(async () => {
    deps = createFakeDeps();
    running = await startServer(deps);
    port = new URL(running.url).port;
  });
  after(async () => running.close());

  it("refuses the tester's purge with 403 naming the Host and how to allow it", async () => {
    const res = await call(running.url, 'DELETE', '/api/v2/publishing/dlq/purge?older_than=100y', {
      headers: asRebindingPage(running),
    });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res.body), 'forbidden');
    const message = messageOf(res);
    assert.match(message, new RegExp(`Host "rebind\\.evil\\.example:${port}"`));
    assert.match(message, /server\.allowed_hosts/);
  });

  it('refuses replay, delete and reload, even with a made-up Bearer header', async () => {
    const [first, second] = deps.entries;
    assert.ok(first !== undefined && second !== undefined);
    const headers = { ...asRebindingPage(running), authorization: 'Bearer guessed' };
    const replay = await call(running.url, 'POST', `/api/v2/publishing/dlq/${first.id}/replay`, {
      headers,
    });
    const remove = await call(running.url, 'DELETE', `/api/v2/publishing/dlq/${second.id}`, {
      headers,
    });
    const reload = await call(running.url, 'POST', '/-/reload', { headers });
    assert.deepEqual([replay.status, remove.status, reload.status], [403, 403, 403]);
    assert.equal(first.replayed, false);
    assert.equal(deps.entries.length, 2);
    assert.equal(deps.engine.submitted.length, 0);
  });

  it('refuses reads too: dead letters may hold what a page should not see', async () => {
    const list = await call(running.url, 'GET', '/api/v2/publishing/dlq', {
      headers: asRebindingPage(running),
    });
    assert.equal(list.status, 403);
    assert.equal(errorCode(list.body), 'forbidden');
  });

  it('accepts 127.0.0.1, localhost, *.localhost, [::1] and 0.0.0.0 for reads and writes, no other', async () => {
    for (const name of ['127.0.0.1', 'localhost', 'console.localhost', '[::1]', '0.0.0.0']) {
      const host = `${name}:${port}`;
      const write = await call(running.url, 'POST', '/api/v2/publishing/targets/hook/test', {
        headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
      });
      const access = await call(running.url, 'GET', '/api/v2/publishing/access', {
        headers: { host },
      });
      assert.deepEqual([write.status, access.status], [200, 200], host);
      assert.equal((access.body as { can_write: boolean }).can_write, true, host);
    }
    const foreign = await call(running.url, 'POST', '/api/v2/publishing/targets/hook/test', {
      headers: { host: `publisher.internal:${port}` },
    });
    assert.equal(foreign.status, 403);
  });

  it('leaves /healthz, /readyz, /metrics and /webhook to any Host', async () => {
    const headers = { host: 'rebind.evil.example' };
    const api = await call(running.url, 'GET', '/api/v2/publishing/queue/status', { headers });
    const probes = await Promise.all(
      ['/healthz', '/readyz', '/metrics'].map((path) =>
        call(running.url, 'GET', path, { headers: { host: '10.1.2.3:8080' } }),
      ),
    );
    const webhook = await call(running.url, 'POST', '/webhook', {
      json: { version: '4', alerts: [anAlert()] },
      headers,
    });
    assert.equal(api.status, 403);
    assert.deepEqual(
      probes.map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(webhook.status, 202);
  });
});

describe('server.allowed_hosts', () => {
  let running: RunningServer;
  before(async () => {
    running = await startServer(createFakeDeps({ allowedHosts: ['publisher.internal'] }));
  });
  after(async () => running.close());

  it('lets a tokenless loopback client use a configured name, and no other', async () => {
    const port = new URL(running.url).port;
    const purge = '/api/v2/publishing/dlq/purge?older_than=100y';
    const named = await call(running.url, 'DELETE', purge, {
      headers: { host: `publisher.internal:${port}` },
    });
    const other = await call(running.url, 'DELETE', purge, {
      headers: { host: `other.internal:${port}` },
    });
    assert.deepEqual([named.status, other.status], [200, 403]);
  });
});

describe('requests with a valid Bearer token', () => {
  let open: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    open = await startServer(createFakeDeps());
    guarded = await startServer(
      createFakeDeps({
        auth: { apiToken: 'api-secret', readToken: 'read-secret', webhookToken: '' },
      }),
    );
  });
  after(async () => {
    await open.close();
    await guarded.close();
  });

  it('pass with any Host, where the same request without a token is refused', async () => {
    const purge = '/api/v2/publishing/dlq/purge?older_than=100y';
    const tokenless = await call(open.url, 'DELETE', purge, { headers: asRebindingPage(open) });
    const write = await call(guarded.url, 'DELETE', purge, {
      token: 'api-secret',
      headers: asRebindingPage(guarded),
    });
    const read = await call(guarded.url, 'GET', '/api/v2/publishing/dlq', {
      token: 'read-secret',
      headers: asRebindingPage(guarded),
    });
    assert.deepEqual([tokenless.status, write.status, read.status], [403, 200, 200]);
  });
});
