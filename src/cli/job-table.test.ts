import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderJobTable } from './job-table.js';

function aJobRow(state: string, reason: string): Record<string, unknown> {
  return {
    id: `job-${state}`,
    state,
    target: 'chat',
    priority: 'high',
    alertname: 'DiskFull',
    attempts: 2,
    updated_at: '2026-12-07T20:00:00.000Z',
    last_error: { reason, message: 'HTTP 429' },
  };
}

describe('jobs list table', () => {
  it('shows no reason for a succeeded job, whose last failed attempt was retried', () => {
    const lines = renderJobTable([
      aJobRow('succeeded', 'rate_limited'),
      aJobRow('retrying', 'rate_limited'),
    ]).split('\n');
    assert.match(lines[0] ?? '', /REASON$/);
    assert.match(lines[1] ?? '', /^job-succeeded\s.*\s-$/);
    assert.match(lines[2] ?? '', /^job-retrying\s.*\srate_limited$/);
  });

  it('says after its reason that a job waits for its down target past its retries', () => {
    const waiting = { ...aJobRow('retrying', 'server_error'), waiting_for_target: true };
    const lines = renderJobTable([waiting, aJobRow('retrying', 'server_error')]).split('\n');
    assert.match(lines[1] ?? '', /^job-retrying\s.*\sserver_error \(waiting for target\)$/);
    assert.match(lines[2] ?? '', /^job-retrying\s.*\sserver_error$/);
  });
});
