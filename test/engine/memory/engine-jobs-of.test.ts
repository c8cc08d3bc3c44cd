import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { anAlert } from '../../support/builders.js';
import { createScriptedPublisher, SERVER_ERROR } from '../../support/scripted-publisher.js';
import { anEngine, submitIds } from './engine-harness.js';

const firing = anAlert({ alertname: 'DiskFull' }, { startsAt: '2026-11-29T11:00:00Z' });
const resolved = { ...firing, status: 'resolved' as const, endsAt: '2026-11-29T11:30:00Z' };

describe('memory engine: jobs of an alert', () => {
  it('reads every job of an alert on every target, oldest first, with attempts and supersession', async () => {
    const pager = createScriptedPublisher();
    pager.script(SERVER_ERROR);
    const h = anEngine({
      targets: [
        { name: 'pager', publisher: pager },
        { name: 'chat', publisher: createScriptedPublisher() },
      ],
    });
    const [firingToPager, firingToChat] = await submitIds(h.engine, [
      { alert: firing, target: 'pager' },
      { alert: firing, target: 'chat' },
      { alert: anAlert({ alertname: 'Other' }), target: 'pager' },
    ]);
    await h.clock.advance(100);
    const [resolveToPager, resolveToChat] = await submitIds(h.engine, [
      { alert: resolved, target: 'pager' },
      { alert: resolved, target: 'chat' },
    ]);
    await h.clock.advance(100);

    const jobs = await h.engine.jobsOf(firing.fingerprint, 100);
    assert.deepEqual(
      jobs.map((job) => [job.id, job.target, job.alertStatus, job.state, job.supersededBy]),
      [
        [firingToPager, 'pager', 'firing', 'superseded', resolveToPager],
        [firingToChat, 'chat', 'firing', 'succeeded', undefined],
        [resolveToPager, 'pager', 'resolved', 'succeeded', undefined],
        [resolveToChat, 'chat', 'resolved', 'succeeded', undefined],
      ],
    );
    assert.deepEqual(
      jobs[0]?.history.map((attempt) => [attempt.status, attempt.reason]),
      [[503, 'server_error']],
    );
    assert.equal(jobs[0]?.alertStartsAt, Date.parse('2026-11-29T11:00:00Z'));
    assert.deepEqual(
      (await h.engine.jobsOf(firing.fingerprint, 2)).map((job) => job.id),
      [resolveToPager, resolveToChat],
    );
    assert.deepEqual(await h.engine.jobsOf('0000000000000000', 100), []);
  });

  it('still reads an active job that a small status store evicted', async () => {
    const publisher = createScriptedPublisher();
    const release = publisher.hold();
    const h = anEngine({
      trackingCapacity: 2,
      targets: ['a', 'b', 'c'].map((name) => ({ name, publisher })),
    });
    const ids = await submitIds(
      h.engine,
      ['a', 'b', 'c'].map((target) => ({ alert: firing, target })),
    );
    await h.clock.advance(10);
    assert.equal(h.store.size, 2);
    const active = await h.engine.jobsOf(firing.fingerprint, 100);
    assert.deepEqual(active.map((job) => job.id).sort(), [...ids].sort());
    assert.deepEqual(
      active.map((job) => job.state),
      ['processing', 'processing', 'processing'],
    );
    release();
    await h.clock.advance(10);
    assert.equal((await h.engine.jobsOf(firing.fingerprint, 100)).length, 2);
  });
});
