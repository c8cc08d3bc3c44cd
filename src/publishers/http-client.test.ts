import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';

import { startConnectProxy } from '../../test/support/connect-proxy.js';
import type { ConnectProxy } from '../../test/support/connect-proxy.js';
import { startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import { createHttpClient, MAX_RESPONSE_BYTES } from './http-client.js';
import type { HttpClient, HttpClientOptions, HttpRequest } from './http-client.js';

describe('http client', () => {
  let server: TargetServer;
  const http = createHttpClient();
  const req = (overrides: Partial<HttpRequest> = {}): HttpRequest => ({
    method: 'POST',
    url: `${server.url}/in`,
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    ...overrides,
  });

  before(async () => {
    server = await startTargetServer();
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('returns status, headers and body of the response', async () => {
    server.respond({ status: 201, headers: { 'x-request-id': 'r1' }, body: 'created' });
    const result = await http.send(req());
    assert.ok(result.ok);
    assert.equal(result.response.status, 201);
    assert.equal(result.response.headers['x-request-id'], 'r1');
    assert.equal(result.response.body, 'created');
    assert.equal(result.response.truncated, false);
    assert.equal(server.requests.at(-1)?.body, '{"a":1}');
  });

  it('reads at most 64 KiB of a large body, declared or chunked', async () => {
    const big = 'z'.repeat(1024 * 1024);
    server.respond({ body: big }, { body: big, headers: { 'transfer-encoding': 'chunked' } });
    for (let i = 0; i < 2; i += 1) {
      const result = await http.send(req());
      assert.ok(result.ok);
      assert.equal(result.response.body.length, MAX_RESPONSE_BYTES);
      assert.equal(result.response.truncated, true);
    }
    // The client still works after discarding the rest.
    const next = await http.send(req());
    assert.ok(next.ok);
  });

  it("reads up to a request's own maxResponseBytes, and 64 KiB for the others", async () => {
    const big = 'z'.repeat(300_000);
    server.respond({ body: big }, { body: big }, { body: big });
    const whole = await http.send(req({ maxResponseBytes: 1024 * 1024 }));
    assert.ok(whole.ok);
    assert.equal(whole.response.body, big);
    assert.equal(whole.response.truncated, false);
    const cut = await http.send(req({ maxResponseBytes: 100_000 }));
    assert.ok(cut.ok);
    assert.equal(cut.response.body.length, 100_000);
    assert.equal(cut.response.truncated, true);
    const other = await http.send(req());
    assert.ok(other.ok);
    assert.equal(other.response.body.length, MAX_RESPONSE_BYTES);
  });

  it('sends each request to its own path and query (URLs are parsed once per client)', async () => {
    const paths = ['/a', '/b?x=1', '/a', '/a?x=2', '/b?x=1'];
    const before = server.requests.length;
    for (const path of paths) assert.ok((await http.send(req({ url: `${server.url}${path}` }))).ok);
    assert.deepEqual(
      server.requests.slice(before).map((r) => r.path),
      paths,
    );
  });

  it("sends a URL's user and password as Basic auth, unless an Authorization header is set", async () => {
    const withUser = server.url.replace('http://', 'http://al%40ice:s3cr%3At@');
    assert.ok((await http.send(req({ url: `${withUser}/in` }))).ok);
    const sent = server.requests.at(-1);
    assert.equal(sent?.path, '/in');
    assert.equal(
      sent?.headers['authorization'],
      `Basic ${Buffer.from('al@ice:s3cr:t').toString('base64')}`,
    );
    const own = { 'content-type': 'application/json', Authorization: 'Bearer mine' };
    assert.ok((await http.send(req({ url: `${withUser}/in`, headers: own }))).ok);
    assert.equal(server.requests.at(-1)?.headers['authorization'], 'Bearer mine');
    assert.ok((await http.send(req({ url: `${server.url}/in` }))).ok);
    assert.equal(server.requests.at(-1)?.headers['authorization'], undefined);
  });

  it('does not follow redirects', async () => {
    server.respond({ status: 307, headers: { location: '/elsewhere' } });
    const before = server.requests.length;
    const result = await http.send(req());
    assert.ok(result.ok);
    assert.equal(result.response.status, 307);
    assert.equal(server.requests.length, before + 1);
  });

  it("uses undici's headers timeout as a backstop when the signal never fires", async () => {
    server.respond({ hang: true });
    const result = await http.send(req({ timeoutMs: 100 }));
    assert.deepEqual(result, {
      ok: false,
      failure: { type: 'transient', reason: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' },
    });
  });

  it('honours an already aborted signal without sending', async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('stop', 'TimeoutError'));
    const before = server.requests.length;
    const result = await http.send(req({ signal: controller.signal }));
    assert.equal(result.ok, false);
    assert.equal(server.requests.length, before);
  });

  it('sends the path and query of the URL as given, "/" when it has none', async () => {
    const paths: string[] = [];
    for (const url of [`${server.url}/a/b?c=1`, server.url, `${server.url}?x=1`]) {
      const result = await http.send(req({ url }));
      assert.ok(result.ok);
      paths.push(server.requests.at(-1)?.path ?? '');
    }
    assert.deepEqual(paths, ['/a/b?c=1', '/', '/?x=1']);
  });

  it('leaves no abort listener on a signal its requests shared, and still aborts on it', async () => {
    // The engine reuses one signal per worker: nothing of an attempt may outlive it.
    const controller = new AbortController();
    for (let i = 0; i < 20; i += 1)
      assert.ok((await http.send(req({ signal: controller.signal }))).ok);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    server.respond({ hang: true });
    const hung = http.send(req({ signal: controller.signal }));
    controller.abort(new DOMException('attempt timed out', 'TimeoutError'));
    const result = await hung;
    assert.equal(result.ok ? 'ok' : result.failure.reason, 'timeout');
  });
});

describe('http client through a proxy', () => {
  let server: TargetServer;
  let proxy: ConnectProxy;
  const post = (http: HttpClient) =>
    http.send({
      method: 'POST',
      url: `${server.url}/in`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    });
  const sendWith = async (options: HttpClientOptions): Promise<void> => {
    const http = createHttpClient(options);
    try {
      const result = await post(http);
      assert.ok(result.ok);
      assert.equal(result.response.status, 200);
    } finally {
      await http.close();
    }
  };
  const origin = (): string => server.url.replace('http://', '');

  before(async () => {
    server = await startTargetServer();
    proxy = await startConnectProxy();
  });
  after(async () => {
    await server.close();
    await proxy.close();
  });

  it('tunnels requests through httpProxy', async () => {
    const before = proxy.tunnels.length;
    await sendWith({ proxy: { httpProxy: proxy.url, httpsProxy: '', noProxy: '' } });
    assert.deepEqual(proxy.tunnels.slice(before), [origin()]);
  });

  it('goes directly to a host listed in noProxy', async () => {
    const before = proxy.tunnels.length;
    const received = server.requests.length;
    await sendWith({
      proxy: { httpProxy: proxy.url, httpsProxy: '', noProxy: 'example.com, 127.0.0.1' },
    });
    assert.equal(proxy.tunnels.length, before);
    assert.equal(server.requests.length, received + 1);
  });

  it('reads nothing from the environment: HTTP_PROXY set there is not used unless passed in', async () => {
    const before = proxy.tunnels.length;
    const saved = process.env['HTTP_PROXY'];
    process.env['HTTP_PROXY'] = proxy.url;
    try {
      await sendWith({});
      await sendWith({ proxy: { httpProxy: '', httpsProxy: '', noProxy: '' } });
    } finally {
      if (saved === undefined) delete process.env['HTTP_PROXY'];
      else process.env['HTTP_PROXY'] = saved;
    }
    assert.equal(proxy.tunnels.length, before);
  });
});
