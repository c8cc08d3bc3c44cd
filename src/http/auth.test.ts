import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { pino } from 'pino';

import { anAlert } from '../../test/support/builders.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { call, errorCode, startServer } from '../../test/support/service-http.js';
import { isLoopback, tokensEqual } from './auth.js';
import { createServer } from './server.js';

const webhookBody = { version: '4', alerts: [anAlert()] };
const purge = '/api/v2/publishing/dlq/purge?older_than=720h';

describe('auth with tokens configured', () => {
  let running: RunningServer;
  before(async () => {
    running = await startServer(
      createFakeDeps({
        auth: { apiToken: 'api-secret', readToken: 'read-secret', webhookToken: 'hook-secret' },
      }),
    );
  });
  after(async () => running.close());

  it('answers 401 on /api without a token or with a wrong one', async () => {
    const missing = await call(running.url, 'GET', '/api/v2/publishing/dlq');
    assert.equal(missing.status, 401);
    assert.equal(errorCode(missing.body), 'unauthorized');
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    const wrong = await call(running.url, 'GET', '/api/v2/publishing/dlq', { token: 'api-secreT' });
    assert.equal(wrong.status, 401);
  });

  it('lets the api token read and write', async () => {
    assert.equal(
      (await call(running.url, 'GET', '/api/v2/publishing/dlq', { token: 'api-secret' })).status,
      200,
    );
    assert.equal((await call(running.url, 'DELETE', purge, { token: 'api-secret' })).status, 200);
  });

  it('lets the read token read but answers 403 on writes', async () => {
    assert.equal(
      (await call(running.url, 'GET', '/api/v2/publishing/queue/status', { token: 'read-secret' }))
        .status,
      200,
    );
    const write = await call(running.url, 'DELETE', purge, { token: 'read-secret' });
    assert.equal(write.status, 403);
    assert.equal(errorCode(write.body), 'forbidden');
  });

  it('guards /webhook with the webhook token only', async () => {
    assert.equal((await call(running.url, 'POST', '/webhook', { json: webhookBody })).status, 401);
    assert.equal(
      (await call(running.url, 'POST', '/webhook', { json: webhookBody, token: 'api-secret' }))
        .status,
      401,
    );
    assert.equal(
      (await call(running.url, 'POST', '/webhook', { json: webhookBody, token: 'hook-secret' }))
        .status,
      202,
    );
  });

  it('cannot be bypassed by percent-encoding the path Fastify decodes before routing', async () => {
    const encodedPurge = '/%61pi/v2/publishing/dlq/purge?older_than=720h';
    assert.equal((await call(running.url, 'DELETE', encodedPurge)).status, 401);
    assert.equal((await call(running.url, 'GET', '/api/v2/publishing/%64lq')).status, 401);
    assert.equal(
      (await call(running.url, 'POST', '/%77ebhook', { json: webhookBody })).status,
      401,
    );
  });

  it('leaves health and metrics open', async () => {
    assert.equal((await call(running.url, 'GET', '/healthz')).status, 200);
    assert.equal((await call(running.url, 'GET', '/metrics')).status, 200);
  });
});

describe('auth without an api token', () => {
  const server = createServer(createFakeDeps(), pino({ level: 'silent' }));
  after(async () => server.close());

  it('answers mutating /api routes from loopback', async () => {
    const res = await server.fastify.inject({
      method: 'DELETE',
      url: purge,
      remoteAddress: '127.0.0.1',
    });
    assert.equal(res.statusCode, 200);
  });

  it('answers 403 to mutating /api routes from other clients, even with a forwarded header', async () => {
    const res = await server.fastify.inject({
      method: 'DELETE',
      url: purge,
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(errorCode(res.json()), 'forbidden');
  });

  it('lets remote clients read', async () => {
    const res = await server.fastify.inject({
      method: 'GET',
      url: '/api/v2/publishing/dlq',
      remoteAddress: '10.1.2.3',
    });
    assert.equal(res.statusCode, 200);
  });
});

describe('auth with a read token and no api token', () => {
  let running: RunningServer;
  before(async () => {
    running = await startServer(
      createFakeDeps({ auth: { apiToken: '', readToken: 'read-secret', webhookToken: '' } }),
    );
  });
  after(async () => running.close());

  it('answers 403 to the read token on writes, from loopback too', async () => {
    for (const [method, path] of [
      ['POST', '/-/reload'],
      ['DELETE', purge],
    ] as const) {
      const write = await call(running.url, method, path, { token: 'read-secret' });
      assert.equal(write.status, 403, `${method} ${path}`);
      assert.equal(errorCode(write.body), 'forbidden');
    }
  });

  it('still lets the read token read and tokenless loopback clients write', async () => {
    const read = await call(running.url, 'GET', '/api/v2/publishing/dlq', { token: 'read-secret' });
    assert.equal(read.status, 200);
    assert.equal((await call(running.url, 'POST', '/-/reload')).status, 200);
  });
});

describe('auth helpers', () => {
  it('compares tokens of different lengths without throwing', () => {
    assert.equal(tokensEqual('a', 'abc'), false);
    assert.equal(tokensEqual('abc', 'abc'), true);
  });

  it('recognises loopback addresses in IPv4, IPv6 and mapped form', () => {
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
      assert.equal(isLoopback(address), true);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', undefined])
      assert.equal(isLoopback(address), false);
  });
});
