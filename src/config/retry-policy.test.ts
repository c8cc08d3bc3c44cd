import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig } from './load-config.js';
import { resolveRetryPolicy } from './retry-policy.js';

describe('resolveRetryPolicy', () => {
  const config = parseConfig(
    [
      'retry: { max_retries: 5, base: 1s }',
      'targets:',
      '  - { name: plain, type: log }',
      '  - { name: pager, type: log, retry: { max_retries: 8, max_delay: 2m } }',
    ].join('\n'),
    { env: {}, source: 'test' },
  );

  it('uses the global block in milliseconds when the target overrides nothing', () => {
    assert.deepEqual(resolveRetryPolicy(config.retry, config.targets[0]?.retry), {
      maxRetries: 5,
      baseMs: 1_000,
      factor: 2,
      maxDelayMs: 30_000,
      jitterMs: 1_000,
      maxRetryAfterMs: 300_000,
      maxJobAgeMs: 3_600_000,
    });
  });

  it('takes each key the target overrides and the global value for the rest', () => {
    const policy = resolveRetryPolicy(config.retry, config.targets[1]?.retry);
    assert.equal(policy.maxRetries, 8);
    assert.equal(policy.maxDelayMs, 120_000);
    assert.equal(policy.baseMs, 1_000);
  });
});
