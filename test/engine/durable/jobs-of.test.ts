import assert from 'node:assert/strict';
import { it } from 'node:test';

import { anAlert } from '../../support/builders.js';
import { forEachDatabase } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { advanceUntil, scriptedPublisher, startEngine } from './support/engine-harness.js';

forEachDatabase('durable engine: jobs of an alert', (ctx) => {
  it('reads every job of an alert oldest first, with its attempts and supersession', async () => {
    const clock = createFakeClock();
    const publisher = scriptedPublisher();
    const engine = await startEngine(ctx.db(), clock, publisher);
    const alert = anAlert({ team: 'db' }, { startsAt: '2026-11-29T11:00:00Z' });
    const firing = await engine.submit([
      { alert, target: 't0' },
      { alert: anAlert({ team: 'web' }), target: 't0' },
    ]);
    assert.ok(firing.ok);
    const [firingId = '', otherId = ''] = firing.jobIds;
    await eventually('both attempts started', () => publisher.deliveries.length === 2);
    const resolved = await engine.submit([
      { alert: { ...alert, status: 'resolved' }, target: 't0' },
    ]);
    assert.ok(resolved.ok);
    const [resolvedId = ''] = resolved.jobIds;
    publisher.answer(otherId, { ok: true });
    publisher.answer(firingId, {
      ok: false,
      type: 'transient',
      reason: 'timeout',
      message: 'slow',
    });
    publisher.answerAll({ ok: true });
    await advanceUntil(clock, 500, 'resolve delivered', () => publisher.deliveries.length === 3);
    await eventually('the resolve recorded', async () => {
      return (await engine.getJob(resolvedId))?.state === 'succeeded';
    });

    const jobs = await engine.jobsOf(alert.fingerprint, 100);
    assert.deepEqual(
      jobs.map((job) => [job.id, job.alertStatus, job.state, job.supersededBy]),
      [
        [firingId, 'firing', 'superseded', resolvedId],
        [resolvedId, 'resolved', 'succeeded', undefined],
      ],
    );
    assert.deepEqual(
      jobs[0]?.history.map((attempt) => [attempt.reason, attempt.message]),
      [['timeout', 'slow']],
    );
    assert.equal(jobs[1]?.history.length, 1);
    assert.equal(jobs[0]?.alertStartsAt, Date.parse('2026-11-29T11:00:00Z'));
    assert.deepEqual(
      (await engine.jobsOf(alert.fingerprint, 1)).map((job) => job.id),
      [resolvedId],
    );
    assert.deepEqual(await engine.jobsOf('0000000000000000', 100), []);
    await engine.stop(1_000);
  });
});
