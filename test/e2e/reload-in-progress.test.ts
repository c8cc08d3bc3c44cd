import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import pg from 'pg';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

function yaml(targets: string): string {
  return `queue: { mode: durable }\nretry: { base: 60s, jitter: 0s }\ntargets:\n${targets}`;
}

function target(name: string, url: string, extra = ''): string {
  return `  - { name: ${name}, type: webhook, url: "${url}/hook"${extra} }\n`;
}

function webhook(...alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

// A reload that removes or disables a target dead-letters its waiting jobs in the database
// before it completes. Webhooks arriving meanwhile must still be taken, for the other targets.
describe('config reload in progress (durable mode)', async () => {
  const onServer = await isPostgresReachable();
  let hook: TargetServer;
  let am: TargetServer;
  let clock: FakeClock;
  let scratch: { url: string; drop: () => Promise<void> };
  let running: RunningApp;
  let current: string;

  before(async () => {
    hook = await startTargetServer();
    am = await startTargetServer({ status: 500 });
  });
  after(async () => {
    await Promise.all([hook.close(), am.close()]);
  });
  beforeEach(async () => {
    if (!onServer) return;
    hook.requests.length = 0;
    am.requests.length = 0;
    clock = createFakeClock(Date.parse('2026-12-07T12:00:00Z'));
    scratch = await createScratchDatabase();
    current = yaml(target('hook', hook.url) + target('am', am.url));
    running = await startApp({
      yaml: current,
      clock,
      reloadYaml: () => current,
      databaseUrl: scratch.url,
    });
  });
  afterEach(async () => {
    if (!onServer) return;
    await running.stop();
    await scratch.drop();
  });

  async function advance(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
    await eventually(what, async () => {
      if (await done()) return true;
      await clock.advance(200);
      return false;
    });
  }

  const changes = {
    removes: () => yaml(target('hook', hook.url)),
    disables: () => yaml(target('hook', hook.url) + target('am', am.url, ', enabled: false')),
  };
  for (const [change, next] of Object.entries(changes)) {
    it(
      `takes a webhook arriving while a reload that ${change} a target dead-letters its jobs`,
      {
        skip: !onServer && 'needs PostgreSQL',
      },
      async () => {
        let res = await call(running.url, 'POST', '/webhook', {
          json: webhook(anAlert({ n: '1' })),
        });
        assert.equal(res.status, 202);
        await advance('hook delivered, am waits for its retry', async () => {
          const jobs = await call(running.url, 'GET', '/api/v2/publishing/queue/jobs?target=am');
          const states = (jobs.body as { jobs: Array<{ state: string }> }).jobs.map((j) => j.state);
          return hook.requests.length === 1 && states.length === 1 && states[0] === 'retrying';
        });

        // Holds the reload's dead-letter insert (it writes the DLQ table) until released. The
        // watcher is another session: pg_stat_activity stays as first read within a transaction.
        const locker = new pg.Client({ connectionString: scratch.url });
        const watcher = new pg.Client({ connectionString: scratch.url });
        await Promise.all([locker.connect(), watcher.connect()]);
        try {
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE publishing_dlq IN EXCLUSIVE MODE');
          current = next();
          const reload = call(running.url, 'POST', '/-/reload');
          await eventually('the reload waits for the DLQ table', async () => {
            const waiting = await watcher.query(
              `SELECT 1 FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND query ILIKE '%publishing_dlq%'`,
            );
            return waiting.rowCount === 1;
          });

          res = await call(running.url, 'POST', '/webhook', { json: webhook(anAlert({ n: '2' })) });
          assert.equal(res.status, 202, JSON.stringify(res.body));

          await locker.query('COMMIT');
          assert.equal((await reload).status, 200);
        } finally {
          await Promise.all([locker.end(), watcher.end()]);
        }
        await advance('the second alert delivered to hook', () => hook.requests.length === 2);
        assert.equal(am.requests.length, 1, 'am gets nothing after the reload');
      },
    );
  }
});
