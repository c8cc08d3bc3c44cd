import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { ApiCallError, createApiClient } from './api-client.js';

/** A server that accepts every request and answers none until the test ends. */
describe('API client timeouts', () => {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => void held.push(response));
  let url: string;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const response of held) response.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failureOf = async (call: Promise<unknown>): Promise<ApiCallError> => {
    try {
      await call;
    } catch (error: unknown) {
      if (error instanceof ApiCallError) return error;
      throw error;
    }
    throw new Error('the call succeeded');
  };

  it('a request sent but not answered in time says the operation may still be running, not that the server is unreachable', async () => {
    const api = createApiClient(url, undefined, { timeoutMs: 50, longTimeoutMs: 60_000 });
    const error = await failureOf(api.post('/api/v2/publishing/dlq/replay', { limit: 1000 }));
    assert.equal(error.code, 'timeout');
    assert.match(
      error.message,
      /did not answer POST \/api\/v2\/publishing\/dlq\/replay within 0.05 s/,
    );
    assert.match(error.message, /may still be running or may have completed/);
    assert.match(error.message, /dlq stats/);
    assert.doesNotMatch(error.message, /cannot reach|is "alert-publisher serve" running/);
  });

  it('a long call waits for its own, longer timeout', async () => {
    const api = createApiClient(url, undefined, { timeoutMs: 60_000, longTimeoutMs: 50 });
    const error = await failureOf(api.delete('/api/v2/publishing/dlq/purge', {}, { long: true }));
    assert.deepEqual([error.code, /within 0.05 s/.test(error.message)], ['timeout', true]);
  });

  it('a refused connection is still unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const api = createApiClient(`http://127.0.0.1:${port}`, undefined, {
      timeoutMs: 50,
      longTimeoutMs: 50,
    });
    const error = await failureOf(api.get('/api/v2/publishing/dlq/stats'));
    assert.equal(error.code, 'unreachable');
    assert.match(error.message, /cannot reach .*is "alert-publisher serve" running\?/);
  });
});
