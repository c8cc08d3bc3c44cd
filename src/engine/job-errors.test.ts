import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { circuitOpenError } from './job-errors.js';

describe('the error of a job too old to wait behind its breaker (circuitOpenError)', () => {
  it('quotes the last failure its breaker counted: status, reason and message', () => {
    const error = circuitOpenError('pager', {
      type: 'transient',
      reason: 'server_error',
      status: 503,
      message: 'Service Unavailable',
    });
    assert.deepEqual(error, {
      type: 'transient',
      reason: 'circuit_open',
      message:
        'circuit breaker of pager not closed; job older than max_job_age; ' +
        'last failure: HTTP 503 server_error: Service Unavailable',
    });
  });

  it('names a failure without a status by its reason, and says nothing of one it does not know', () => {
    const timeout = { type: 'transient', reason: 'timeout', message: 'no answer in 10s' } as const;
    assert.match(
      circuitOpenError('pager', timeout).message,
      /; last failure: timeout: no answer in 10s$/,
    );
    assert.equal(
      circuitOpenError('pager').message,
      'circuit breaker of pager not closed; job older than max_job_age',
    );
  });

  it('cuts a long failure message to 200 characters', () => {
    const long = { type: 'unknown', reason: 'server_error', message: 'x'.repeat(5_000) } as const;
    const { message } = circuitOpenError('pager', long);
    const quoted = message.slice(message.indexOf('server_error: ') + 'server_error: '.length);
    assert.equal(quoted, `${'x'.repeat(199)}…`);
  });
});
