import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ERROR_TYPES, FAILURE_REASONS } from '../../src/domain/failure.js';
import { PRIORITIES } from '../../src/domain/job.js';
import { bulkReplayBody, dlqListQuery } from '../../src/http/schemas.js';
import {
  DLQ_BOOLEAN_FILTERS,
  DLQ_FILTER_KEYS,
  DLQ_FILTER_OPTIONS,
  bulkFilters,
  dlqFilterOf,
  targetOptions,
} from '../../ui/src/filters.js';

describe('the console dead-letter filters', () => {
  it('offer every failure reason the API accepts, target_removed included', () => {
    assert.deepEqual(DLQ_FILTER_OPTIONS.reason, FAILURE_REASONS);
    assert.ok(DLQ_FILTER_OPTIONS.reason.includes('target_removed'));
  });

  it('offer every error type and priority the API accepts', () => {
    assert.deepEqual(DLQ_FILTER_OPTIONS.error_type, ERROR_TYPES);
    assert.deepEqual(DLQ_FILTER_OPTIONS.priority, PRIORITIES);
  });

  it("keep every filter of the API's DLQ list and bulk replay, possibly_delivered included", () => {
    const filters = bulkReplayBody.properties.filters.properties;
    assert.deepEqual([...DLQ_FILTER_KEYS].sort(), Object.keys(filters).sort());
    const paging = ['limit', 'offset', 'before'];
    assert.deepEqual(
      Object.keys(dlqListQuery.properties)
        .filter((key) => !paging.includes(key))
        .sort(),
      Object.keys(filters).sort(),
    );
    const booleans = Object.entries(filters)
      .filter(([, schema]) => schema.type === 'boolean')
      .map(([key]) => key);
    assert.deepEqual([...DLQ_BOOLEAN_FILTERS].sort(), booleans.sort());
  });

  it('read possibly_delivered from the URL and send it to a bulk replay as a boolean', () => {
    const filter = dlqFilterOf(new URLSearchParams('possibly_delivered=true&target=ops&x=1'));
    assert.deepEqual(filter, { target: 'ops', possibly_delivered: 'true' });
    assert.deepEqual(bulkFilters({ ...filter, replayed: 'false' }), {
      target: 'ops',
      replayed: false,
      possibly_delivered: true,
    });
  });
});

describe('the console target filters', () => {
  it('offer the configured targets, and a chosen one that is not configured after them', () => {
    assert.deepEqual(targetOptions(['ops', 'slack'], 'removed'), ['ops', 'slack', 'removed']);
    assert.deepEqual(targetOptions(['ops', 'slack'], 'slack'), ['ops', 'slack']);
    assert.deepEqual(targetOptions(['ops'], undefined), ['ops']);
    assert.deepEqual(targetOptions(['ops'], ''), ['ops']);
  });
});
