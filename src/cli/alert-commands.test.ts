import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../test/support/builders.js';
import { aDlqEntry } from '../../test/support/service-fake-dlq.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { startServer } from '../../test/support/service-http.js';
import { runCommand as cli } from '../../test/support/cli-run.js';

/** The happy paths run on the real app in test/e2e/alert-timeline.test.ts. */
describe('alerts commands against the running server', () => {
  let deps: FakeDeps;
  let running: RunningServer;

  before(async () => {
    deps = createFakeDeps();
    running = await startServer(deps);
  });
  after(async () => running.close());

  it('shows a letter whose job is no longer held with its own attempts', async () => {
    const alert = anAlert({ alertname: 'DiskFull' });
    const letter = aDlqEntry({
      fingerprint: alert.fingerprint,
      enriched_alert: { alert },
      possibly_delivered: true,
      attempts: [{ at: '2026-11-29T11:58:00.000Z', duration_ms: 30_000, reason: 'timeout' }],
    });
    deps.entries.push(letter);
    const run = await cli(['alerts', 'show', alert.fingerprint, '--url', running.url]);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(run.out.split('\n'), [
      `DiskFull ${alert.fingerprint}`,
      `labels: ${Object.entries(alert.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      'jobs from memory; incomplete: some jobs are no longer held (a restart in memory mode, eviction or retention) or limits cut the list',
      '',
      'hook  newest: unknown',
      `└─ dead letter ${letter.id} server_error, HTTP 503, failed 2026-11-29T11:59:00.000Z, possibly delivered; not replayed (of job ${letter.job_id}, not held)`,
      '   └─ 2026-11-29T11:58:00.000Z timeout 30000 ms',
    ]);
  });

  it('refuses a state other than firing or resolved before calling anything (exit 2)', async () => {
    const run = await cli(['alerts', 'list', '--state', 'pending', '--url', running.url]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--state/);
  });

  it('refuses a malformed fingerprint before calling anything, naming the argument (exit 2)', async () => {
    const run = await cli(['alerts', 'show', 'ABC', '--url', running.url]);
    assert.equal(run.code, 2);
    assert.match(
      run.err,
      /'ABC' is invalid for argument 'fingerprint'\. must be 16 lower-case hex/,
    );
  });
});
