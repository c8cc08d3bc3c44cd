import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { call, startServer } from '../../../test/support/service-http.js';

describe('GET /api/v2/publishing/access', () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer(
      createFakeDeps({ auth: { apiToken: 'w', readToken: 'r', webhookToken: '' } }),
    );
  });
  after(async () => running.close());

  it('tells the api token it may write', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/access', { token: 'w' });
    assert.deepEqual(res.body, { can_write: true, auth_required: true, write_rule: 'api_token' });
  });

  it('tells the read token it may only read', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/access', { token: 'r' });
    assert.deepEqual(res.body, { can_write: false, auth_required: true, write_rule: 'api_token' });
  });

  it('asks for a token like every other API read', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/access');
    assert.equal(res.status, 401);
  });
});

describe('GET /api/v2/publishing/access without tokens', () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer(createFakeDeps());
  });
  after(async () => running.close());

  it('lets a loopback client write, as the write rule does', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/access');
    assert.deepEqual(res.body, {
      can_write: true,
      auth_required: false,
      write_rule: 'loopback_only',
    });
  });
});

describe('GET /api/v2/publishing/access with a read token and no api token', () => {
  let running: RunningServer;

  before(async () => {
    running = await startServer(
      createFakeDeps({ auth: { apiToken: '', readToken: 'r', webhookToken: '' } }),
    );
  });
  after(async () => running.close());

  it('tells the read token it may only read, from loopback too', async () => {
    const res = await call(running.url, 'GET', '/api/v2/publishing/access', { token: 'r' });
    assert.deepEqual(res.body, {
      can_write: false,
      auth_required: true,
      write_rule: 'loopback_only',
    });
  });
});
