import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../../test/support/builders.js';
import type { alertTimelineView } from '../alert-views.js';
import type { FakeDeps } from '../../../test/support/service-fakes.js';
import { aDlqEntry } from '../../../test/support/service-fake-dlq.js';
import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { call, errorCode, errorPaths, startServer } from '../../../test/support/service-http.js';

const BASE = '/api/v2/publishing/alerts';

/** The route's answer, as its view builds it. */
type Timeline = ReturnType<typeof alertTimelineView>;

/** The routes over fake ports; test/e2e/alert-timeline.test.ts runs them on the real app. */
describe('alert routes over a real socket', () => {
  let deps: FakeDeps;
  let running: RunningServer;

  before(async () => {
    deps = createFakeDeps();
    running = await startServer(deps);
  });
  after(async () => running.close());

  it('answers the timeline of an alert: its jobs per target, and its letters', async () => {
    const alert = anAlert({ alertname: 'DiskFull', instance: 'db-1' });
    const submitted = await deps.engine.submit([{ alert, target: 'hook' }]);
    assert.ok(submitted.ok);
    const letter = aDlqEntry({
      fingerprint: alert.fingerprint,
      enriched_alert: { alert },
      target_name: 'chat',
    });
    deps.entries.push(letter);

    const res = await call(running.url, 'GET', `${BASE}/${alert.fingerprint}`);
    assert.equal(res.status, 200);
    const body = res.body as Timeline;
    assert.equal(body.alertname, 'DiskFull');
    assert.deepEqual(body.labels, alert.labels);
    assert.equal(body.jobs_from, 'memory');
    assert.deepEqual(
      body.targets.map((t) => [t.target, t.jobs.map((j) => j.id), t.dead_letters.map((l) => l.id)]),
      [
        ['chat', [], [letter.id]],
        ['hook', submitted.jobIds, []],
      ],
    );
    assert.equal(body.targets[1]?.jobs[0]?.state, 'queued');
    assert.deepEqual(body.targets[0]?.missing_jobs, [letter.job_id]);
    assert.equal(body.targets[0]?.dead_letters[0]?.superseded, false);
    assert.equal(body.complete, false, 'the letter names a job the engine does not hold');
  });

  it('answers 404 in the envelope for a fingerprint nothing knows', async () => {
    const res = await call(running.url, 'GET', `${BASE}/0123456789abcdef`);
    assert.equal(res.status, 404);
    assert.equal(errorCode(res.body), 'not_found');
  });

  for (const fingerprint of ['123', '0123456789ABCDEF', '0123456789abcdeg', '0123456789abcdef0']) {
    it(`answers 400 naming the fingerprint for "${fingerprint}"`, async () => {
      const res = await call(running.url, 'GET', `${BASE}/${fingerprint}`);
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['params.fingerprint']);
    });
  }

  it('lists the recorded alerts with their state per target', async () => {
    const at = Date.parse('2026-11-29T12:00:00Z');
    deps.listed.push({
      fingerprint: '3f2a8e2f7b10c4d5',
      alertname: 'DiskFull',
      labels: { alertname: 'DiskFull' },
      updatedAt: at,
      states: [
        {
          target: 'hook',
          fingerprint: '3f2a8e2f7b10c4d5',
          state: { startsAtMs: at - 60_000, status: 'resolved' },
          jobId: 'a1',
          alertname: 'DiskFull',
          labels: { alertname: 'DiskFull' },
          at,
        },
      ],
    });
    const res = await call(running.url, 'GET', `${BASE}?alertname=DiskFull&state=resolved`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      alerts: [
        {
          fingerprint: '3f2a8e2f7b10c4d5',
          alertname: 'DiskFull',
          labels: { alertname: 'DiskFull' },
          status: 'resolved',
          starts_at: '2026-11-29T11:59:00.000Z',
          updated_at: '2026-11-29T12:00:00.000Z',
          targets: [
            {
              target: 'hook',
              status: 'resolved',
              starts_at: '2026-11-29T11:59:00.000Z',
              job_id: 'a1',
              updated_at: '2026-11-29T12:00:00.000Z',
            },
          ],
        },
      ],
      count: 1,
      limit: 100,
    });
  });

  for (const [query, field] of [
    ['state=pending', 'query.state'],
    ['limit=0', 'query.limit'],
    ['limit=1001', 'query.limit'],
    ['limit=ten', 'query.limit'],
    ['alertname=', 'query.alertname'],
    ['target=', 'query.target'],
    ['fingerprint=0123456789abcdef', 'query.fingerprint'],
  ] as const) {
    it(`answers 400 naming ${field} for ${query}`, async () => {
      const res = await call(running.url, 'GET', `${BASE}?${query}`);
      assert.equal(res.status, 400);
      assert.equal(errorCode(res.body), 'invalid_request');
      assert.deepEqual(errorPaths(res.body), [field]);
    });
  }
});
