import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ERROR_TYPES, FAILURE_REASONS } from '../../src/domain/failure.js';
import { PRIORITIES } from '../../src/domain/job.js';
import { DLQ_FILTER_OPTIONS } from '../../ui/src/filters.js';

describe('the console dead-letter filters', () => {
  it('offer every failure reason the API accepts, target_removed included', () => {
    assert.deepEqual(DLQ_FILTER_OPTIONS.reason, FAILURE_REASONS);
    assert.ok(DLQ_FILTER_OPTIONS.reason.includes('target_removed'));
  });

  it('offer every error type and priority the API accepts', () => {
    assert.deepEqual(DLQ_FILTER_OPTIONS.error_type, ERROR_TYPES);
    assert.deepEqual(DLQ_FILTER_OPTIONS.priority, PRIORITIES);
  });
});
