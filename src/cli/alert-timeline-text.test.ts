import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderTimeline } from './alert-timeline-text.js';

/** A timeline of one target with one job, as the API's alert timeline answers it. */
function timelineOf(job: Record<string, unknown>): unknown {
  return {
    fingerprint: 'f00d',
    alertname: 'DiskFull',
    targets: [{ target: 'pager', newest_state: null, jobs: [job] }],
  };
}

const attempt = { at: '2026-12-07T10:00:00.000Z', duration_ms: 5, reason: 'server_error' };

describe('the alert timeline as text (alerts show)', () => {
  it('says nothing of attempts not kept while the first attempt is running', () => {
    const text = renderTimeline(
      timelineOf({ id: 'j1', state: 'processing', attempts: 1, attempt_history: [] }),
    );
    assert.doesNotMatch(text, /not kept/, text);
  });

  it('counts the attempts not kept among those that ended', () => {
    const history = Array.from({ length: 20 }, () => attempt);
    const running = renderTimeline(
      timelineOf({ id: 'j1', state: 'processing', attempts: 23, attempt_history: history }),
    );
    assert.match(running, /\(2 earlier attempts not kept\)/, running);
    const waiting = renderTimeline(
      timelineOf({ id: 'j1', state: 'retrying', attempts: 23, attempt_history: history }),
    );
    assert.match(waiting, /\(3 earlier attempts not kept\)/, waiting);
  });
});
