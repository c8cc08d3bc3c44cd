import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../support/builders.js';
import { isPostgresReachable } from '../../support/databases.js';
import { eventually } from '../../support/eventually.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { startApp } from '../../support/service-app.js';
import { call } from '../../support/service-http.js';
import type { TargetServer } from '../../support/target-server.js';
import { startTargetServer } from '../../support/target-server.js';
import { advanceUntil } from './support/engine-harness.js';
import { migratedScratchDatabase } from './support/scratch-database.js';
import type { ScratchDatabase } from './support/scratch-database.js';

function yaml(url: string, dbEnabled: boolean): string {
  return `
queue:
  mode: durable
  durable: { heartbeat: 1s, poll_interval: 1s, lease: 10m }
retry: { max_retries: 5, base: 1m, factor: 1, max_delay: 1m, jitter: 0s }
targets:
  - name: ops
    type: webhook
    url: "${url}/ops"
    match: ['team="ops"']
  - name: db
    type: slack
    enabled: ${dbEnabled}
    url: "${url}/db"
    match: ['team="db"']
`;
}

/**
 * A target disabled while the service was stopped: the app gives the engine the enabled
 * targets only, so the restart dead-letters the disabled target's waiting jobs as a reload
 * would, its letters carrying the target's type.
 */
describe('durable mode restarted with a target disabled (PostgreSQL)', async () => {
  if (!(await isPostgresReachable())) {
    it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  /** Down at the first run (the jobs wait for a retry), up at the second. */
  let down: TargetServer;
  let target: TargetServer;
  let database: ScratchDatabase;

  before(async () => {
    down = await startTargetServer({ status: 503, body: 'down' });
    target = await startTargetServer({ status: 200 });
    database = await migratedScratchDatabase(2);
  });
  after(async () => {
    await down.close();
    await target.close();
    await database.drop();
  });

  it("dead-letters the disabled target's waiting jobs at start and delivers the others", async () => {
    const clock = createFakeClock();
    const setup = { databaseUrl: database.url, clock };
    const stopped = await startApp({
      ...setup,
      yaml: yaml(down.url, true),
    });
    const alerts = [
      anAlert({ team: 'ops' }),
      anAlert({ team: 'db' }),
      anAlert({ team: 'db', n: '2' }),
    ];
    const res = await call(stopped.url, 'POST', '/webhook', {
      json: { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts },
    });
    assert.equal(res.status, 202);
    await down.waitForRequests(3);
    await eventually('three jobs retrying', async () => {
      const jobs = await database.db.query(
        `SELECT 1 FROM publishing_jobs WHERE state = 'retrying'`,
      );
      return jobs.rows.length === 3;
    });
    await stopped.stop();

    const app = await startApp({
      ...setup,
      yaml: yaml(target.url, false),
    });
    try {
      const letters = await database.db.query<Record<string, unknown>>(
        'SELECT target_name, target_type, error_reason FROM publishing_dlq',
      );
      assert.deepEqual(
        letters.rows,
        ['db', 'db'].map((name) => ({
          target_name: name,
          target_type: 'slack',
          error_reason: 'target_removed',
        })),
      );
      // The job of ops is due a minute after its failed attempt.
      await advanceUntil(clock, 1_000, 'the ops job sent', () => target.requests.length > 0);
      assert.equal(target.requests[0]?.path, '/ops');
      await eventually('the ops job succeeded', async () => {
        const jobs = await database.db.query<{ target_name: string; state: string }>(
          'SELECT target_name, state FROM publishing_jobs ORDER BY target_name',
        );
        const states = jobs.rows.map((row) => `${row.target_name}:${row.state}`);
        return states.join() === 'db:dlq,db:dlq,ops:succeeded';
      });
      assert.equal(target.requests.length, 1, 'nothing sent to the disabled target');
    } finally {
      await app.stop();
    }
  });
});
