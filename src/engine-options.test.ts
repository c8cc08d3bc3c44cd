import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { engineConfigOf } from './engine-options.js';
import { parseConfig } from './config/load-config.js';

const parse = (lines: string[]) => parseConfig(lines.join('\n'), { env: {}, source: 'test' });

describe('engineConfigOf', () => {
  it('maps every engine key of the file, durations in milliseconds', () => {
    const config = parse([
      'shutdown_flush_timeout: 2s',
      'queue:',
      '  workers: 3',
      '  capacity: { high: 7, medium: 8, low: 9 }',
      '  max_wait: { medium: 4s, low: 40s }',
      '  per_target_concurrency: 2',
      '  per_target_share: 0.25',
      '  admission_retry_after: 12s',
      'circuit_breaker: { failure_threshold: 6, success_threshold: 3, open_timeout: 45s }',
      'dlq:',
      '  write_batch: 50',
      '  write_retry: { base: 250ms, max_delay: 10s }',
    ]);
    assert.deepEqual(engineConfigOf(config), {
      workers: 3,
      capacity: { high: 7, medium: 8, low: 9 },
      maxWaitMs: { medium: 4_000, low: 40_000 },
      perTargetConcurrency: 2,
      perTargetShare: 0.25,
      breaker: { failureThreshold: 6, successThreshold: 3, openTimeoutMs: 45_000 },
      deadLetterBatchSize: 50,
      deadLetterRetry: { baseMs: 250, maxDelayMs: 10_000 },
      admissionRetryAfterMs: 12_000,
      stopFlushMs: 2_000,
    });
  });

  it('gives the schema defaults for an empty file', () => {
    assert.deepEqual(engineConfigOf(parse([])), {
      workers: 10,
      capacity: { high: 500, medium: 1000, low: 500 },
      maxWaitMs: { medium: 10_000, low: 60_000 },
      perTargetConcurrency: 4,
      perTargetShare: 0.5,
      breaker: { failureThreshold: 5, successThreshold: 2, openTimeoutMs: 30_000 },
      deadLetterBatchSize: 500,
      deadLetterRetry: { baseMs: 1_000, maxDelayMs: 30_000 },
      admissionRetryAfterMs: 5_000,
      stopFlushMs: 5_000,
    });
  });
});
