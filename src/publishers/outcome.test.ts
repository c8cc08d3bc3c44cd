import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeClock } from '../../test/support/fake-clock.js';
import { startTargetServer } from '../../test/support/target-server.js';
import type { TargetServer } from '../../test/support/target-server.js';
import type { PublishOutcome } from '../domain/publisher.js';
import { DEFAULT_RETRY_POLICY, nextAttemptDelayMs } from '../retry/backoff.js';
import { createHttpClient } from './http-client.js';
import { statusOutcome } from './outcome.js';

/** When a throttled target may be tried again, from the headers of its answer (all publishers). */
describe('statusOutcome: when to try again', () => {
  let server: TargetServer;
  const http = createHttpClient();
  const clock = createFakeClock();
  const inSeconds = (seconds: number): string => String(clock.now() / 1000 + seconds);

  /** The outcome of a POST answered `status` with `headers`, on the fake clock. */
  async function answered(
    status: number,
    headers: Record<string, string>,
  ): Promise<PublishOutcome> {
    server.respond({ status, headers, body: '' });
    const result = await http.send({
      method: 'POST',
      url: server.url,
      headers: {},
      body: '{}',
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    });
    assert.ok(result.ok);
    return statusOutcome(result.response, clock.now(), () => '');
  }
  const retryAfterMsOf = async (
    headers: Record<string, string>,
    status = 429,
  ): Promise<number | undefined> => {
    const outcome = await answered(status, headers);
    assert.ok(!outcome.ok);
    return outcome.retryAfterMs;
  };

  before(async () => {
    server = await startTargetServer();
  });
  after(async () => {
    await server.close();
    await http.close();
  });

  it('waits until a RateLimit-Reset in epoch seconds when there is no Retry-After', async () => {
    assert.equal(await retryAfterMsOf({ 'ratelimit-reset': inSeconds(20) }), 20_000);
  });

  it('reads a RateLimit-Reset up to 1e9 as seconds from now', async () => {
    assert.equal(await retryAfterMsOf({ 'ratelimit-reset': '7' }), 7_000);
  });

  it('prefers Retry-After, and falls back to RateLimit-Reset when Retry-After is unusable', async () => {
    const reset = inSeconds(20);
    assert.equal(await retryAfterMsOf({ 'retry-after': '3', 'ratelimit-reset': reset }), 3_000);
    assert.equal(await retryAfterMsOf({ 'retry-after': 'soon', 'ratelimit-reset': reset }), 20_000);
  });

  it('reads RateLimit-Reset on 503 too, and not on other failures', async () => {
    assert.equal(await retryAfterMsOf({ 'ratelimit-reset': '7' }, 503), 7_000);
    assert.equal(await retryAfterMsOf({ 'ratelimit-reset': '7' }, 500), undefined);
  });

  it('has the retry stage cap a far RateLimit-Reset at max_retry_after, as Retry-After is', async () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 45_000 };
    const fromReset = await retryAfterMsOf({ 'ratelimit-reset': inSeconds(3_600) });
    const fromRetryAfter = await retryAfterMsOf({ 'retry-after': '3600' });
    assert.equal(fromReset, 3_600_000);
    assert.equal(
      nextAttemptDelayMs(policy, 1, () => 0, fromReset),
      45_000,
    );
    assert.equal(
      nextAttemptDelayMs(policy, 1, () => 0, fromRetryAfter),
      45_000,
    );
  });
});
