import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createScriptedPublisher, OK, SERVER_ERROR } from '../../support/scripted-publisher.js';
import { aRequest, anEngine, submitIds } from './engine-harness.js';

describe('engine metrics', () => {
  it('keeps submissions, attempts, retries, finished jobs, lanes and workers current', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.script(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'audit', publisher }] });
    await submitIds(h.engine, [aRequest('audit', { severity: 'critical' })]);
    await h.clock.settle();
    let text = await h.registry.metrics();
    assert.match(text, /submissions_total\{priority="high",result="accepted"\} 1/);
    assert.match(text, /queue_jobs\{priority="high",state="retrying",mode="memory"\} 1/);
    assert.match(text, /queue_capacity\{priority="medium",mode="memory"\} 1000/);
    assert.match(
      text,
      /attempts_total\{target="audit",outcome="failure",reason="server_error"\} 1/,
    );
    assert.match(text, /retries_total\{target="audit",error_type="transient"\} 1/);
    assert.match(text, /alert_publisher_workers 10/);
    await h.clock.advance(5_000);
    text = await h.registry.metrics();
    assert.match(text, /attempts_total\{target="audit",outcome="success",reason=""\} 1/);
    assert.match(text, /jobs_finished_total\{target="audit",state="succeeded"\} 1/);
    assert.match(text, /queue_jobs\{priority="high",state="retrying",mode="memory"\} 0/);
    assert.match(text, /queue_wait_seconds_count\{priority="high"\} 2/);
    const stats = h.engine.stats();
    assert.equal(stats.attempts, 2);
    assert.equal(stats.retried, 1);
    assert.equal(stats.successRate, 1);
  });

  it('sets a target’s last success time when a successful attempt ends, and only then', async () => {
    const publisher = createScriptedPublisher(OK);
    publisher.script(SERVER_ERROR);
    const h = anEngine({ targets: [{ name: 'audit', publisher }] });
    const series = /^alert_publisher_last_success_timestamp_seconds\{target="audit"\} (\S+)$/m;
    await submitIds(h.engine, [aRequest('audit', { n: '1' })]);
    await h.clock.settle();
    assert.doesNotMatch(await h.registry.metrics(), series); // a failed attempt only
    await h.clock.advance(60_000); // the retry succeeds
    const firstSuccess = Number(series.exec(await h.registry.metrics())?.[1]);
    assert.ok(firstSuccess > 0 && firstSuccess * 1000 < h.clock.now());
    await submitIds(h.engine, [aRequest('audit', { n: '2' })]);
    await h.clock.settle();
    assert.equal(series.exec(await h.registry.metrics())?.[1], String(h.clock.now() / 1000));
  });

  it('reports the age of the oldest due job per lane', async () => {
    const publisher = createScriptedPublisher(OK);
    const h = anEngine({ targets: [{ name: 'a', publisher }], config: { workers: 1 } });
    publisher.hold();
    await submitIds(h.engine, [aRequest('a', { n: '1', severity: 'info' })]);
    await submitIds(h.engine, [aRequest('a', { n: '2', severity: 'info' })]);
    await h.clock.advance(7_000);
    assert.equal(h.engine.status().lanes.low.oldestDueAgeMs, 7_000);
    assert.match(
      await h.registry.metrics(),
      /oldest_due_job_age_seconds\{priority="low",mode="memory"\} 7/,
    );
  });

  it('counts dead letters written by target and error type', async () => {
    const h = anEngine({
      targets: [
        { name: 'a', publisher: createScriptedPublisher(SERVER_ERROR) },
        { name: 'b', publisher: createScriptedPublisher(OK) },
      ],
      config: {
        capacity: { high: 2, medium: 2, low: 2 },
        perTargetShare: 0.5,
        breaker: { failureThreshold: 1, successThreshold: 1, openTimeoutMs: 60_000 },
      },
    });
    await submitIds(h.engine, [aRequest('a', { n: '1' })]);
    await h.clock.advance(100);
    await submitIds(h.engine, [aRequest('a', { n: '2' })]);
    await h.clock.advance(100);
    assert.match(
      await h.registry.metrics(),
      /dlq_writes_total\{target="a",error_type="transient"\} 1/,
    );
    assert.equal(h.engine.stats().deadLetteredByReason.overflow, 1);
  });
});
