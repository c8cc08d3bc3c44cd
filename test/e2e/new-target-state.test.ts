import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * A target a reload adds has no state of the alerts the others were sent. A late copy of an
 * older state (an Alertmanager HA peer's firing, after the resolve) must not reach it alone:
 * an SRE tester's added target ended `firing` for an alert every other target had resolved, an
 * incident nothing would close. It is judged by the newest state on the other targets
 * (docs/alert-state.md, "A target without a state of the alert"), and still gets an alert's
 * current state.
 */
function yaml(url: string, targets: readonly string[], mode: string): string {
  return [
    `queue: { mode: ${mode} }`,
    'targets:',
    ...targets.map((name) => `  - { name: ${name}, type: webhook, url: "${url}/${name}" }`),
    '',
  ].join('\n');
}

const STARTS_AT = '2026-12-08T02:50:00Z';

for (const mode of ['memory', 'durable'] as const) {
  describe(`a target added by a reload and the alerts the others know (${mode} mode)`, async () => {
    const onServer = mode === 'durable' && (await isPostgresReachable());
    let server: TargetServer;
    let running: RunningApp;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let config: string;

    before(async () => {
      server = await startTargetServer();
    });
    after(() => server.close());
    beforeEach(async () => {
      server.requests.length = 0;
      scratch = onServer ? await createScratchDatabase() : undefined;
      config = yaml(server.url, ['a', 'b'], mode);
      running = await startApp({
        yaml: config,
        reloadYaml: () => config,
        clock: createFakeClock(Date.parse('2026-12-08T03:00:00Z')),
        ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
      });
    });
    afterEach(async () => {
      await running.stop();
      await scratch?.drop();
    });

    async function send(n: string, status: 'firing' | 'resolved'): Promise<string[]> {
      const alert = anAlert(
        { n },
        { status, startsAt: STARTS_AT, ...(status === 'resolved' ? { endsAt: STARTS_AT } : {}) },
      );
      const body = { version: '4', groupKey: '{}:{}', status, receiver: 'ap', alerts: [alert] };
      const res = await call(running.url, 'POST', '/webhook', { json: body });
      assert.equal(res.status, 202);
      return (res.body as { job_ids: string[] }).job_ids;
    }

    async function finalStates(ids: readonly string[]): Promise<Record<string, string>> {
      const states: Record<string, string> = {};
      for (const id of ids) {
        const res = await call(running.url, 'GET', `/api/v2/publishing/queue/jobs/${id}`);
        const job = res.body as { target: string; state: string };
        states[job.target] = job.state;
      }
      return states;
    }

    function received(target: string): string[] {
      return server.requests
        .filter((request) => request.path === `/${target}`)
        .map((request) => (request.json as { alert: { status: string } }).alert.status);
    }

    it('does not send the added target a late firing of an alert the others got the resolve of', async () => {
      await send('late', 'firing');
      await eventually('both sent the firing', () => server.requests.length === 2);
      await send('late', 'resolved');
      await eventually('both sent the resolve', () => server.requests.length === 4);
      config = yaml(server.url, ['a', 'b', 'c'], mode);
      assert.equal((await running.app.reload()).ok, true);

      const copy = await send('late', 'firing');
      await eventually('every job of the copy ended', async () => {
        const states = Object.values(await finalStates(copy));
        return states.length === 3 && states.every((state) => state === 'superseded');
      });
      assert.deepEqual(received('c'), []);
      assert.deepEqual(received('a'), ['firing', 'resolved']);
    });

    it('sends the added target the current state of an alert the others know', async () => {
      await send('current', 'firing');
      await eventually('both sent the firing', () => server.requests.length === 2);
      config = yaml(server.url, ['a', 'b', 'c'], mode);
      assert.equal((await running.app.reload()).ok, true);

      // Alertmanager's repeat of the same firing: new to c, so c gets it.
      await send('current', 'firing');
      await eventually('c sent the firing', () => received('c').length === 1);
      assert.deepEqual(received('c'), ['firing']);
    });
  });
}
