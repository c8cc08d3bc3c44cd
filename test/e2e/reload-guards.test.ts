import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import { anAlert } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import type { FakeClock } from '../support/fake-clock.js';
import type { ReloadApp } from '../support/reload-fixture.js';
import {
  maxAlertsBound,
  onServer,
  startReloadApp,
  target,
  webhook,
  yaml,
} from '../support/reload-fixture.js';
import type { RunningApp } from '../support/service-app.js';
import { call, errorCode } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * What a reload may not do silently (docs/configuration.md, Reload): leave no enabled target,
 * or lower the max_alerts bound Alertmanager's max_alerts was set by.
 */

/** An all-digit API key, which YAML reads as a number unless quoted. */
const APIK = '839201938475';

for (const mode of ['memory', 'durable'] as const) {
  describe(`config reload guards (${mode} mode)`, async () => {
    const database = await onServer(mode);
    let servers: { a: TargetServer; b: TargetServer; c: TargetServer };
    let clock: FakeClock;
    let running: RunningApp;
    let current: string;
    let app: ReloadApp;
    /** The app's log lines at warn and above, parsed. */
    let warnings: Array<Record<string, unknown>>;

    before(async () => {
      servers = {
        a: await startTargetServer(),
        b: await startTargetServer(),
        c: await startTargetServer(),
      };
    });
    after(async () => {
      await Promise.all(Object.values(servers).map((server) => server.close()));
    });
    beforeEach(async () => {
      for (const server of Object.values(servers)) server.requests.length = 0;
      current = yaml(mode, target('a', servers.a.url, 'a') + target('b', servers.b.url, 'b'));
      app = await startReloadApp({
        initial: current,
        reloadYaml: () => current,
        database,
        env: { APIK },
      });
      ({ running, clock, warnings } = app);
    });
    afterEach(async () => {
      await app.stop();
    });

    const bound = (n: 2 | 6): number => maxAlertsBound(mode, n);

    it('refuses a reload that leaves no enabled target, by POST and by SIGHUP, and keeps the running ones', async () => {
      const files = {
        'an empty file': '',
        'targets: []': yaml(mode, '').replace('targets:\n', 'targets: []\n'),
        'every target disabled': yaml(
          mode,
          target('a', servers.a.url, 'a', ', enabled: false') +
            target('b', servers.b.url, 'b', ', enabled: false'),
        ),
      };
      const message =
        ': a reload may not leave no enabled target: the running config keeps 2; restart to run without targets';
      for (const [what, file] of Object.entries(files)) {
        current = file;
        const reason =
          what === 'every target disabled' ? 'every target is disabled' : 'none listed';
        const refused = await call(running.url, 'POST', '/-/reload');
        assert.equal(refused.status, 422, what);
        assert.equal(errorCode(refused.body), 'invalid_config');
        assert.deepEqual((refused.body as { error: { details: unknown } }).error.details, [
          { path: 'targets', message: reason + message },
        ]);
        assert.match(
          await (await fetch(`${running.url}/metrics`)).text(),
          /alert_publisher_config_last_reload_successful 0/,
        );
        // SIGHUP runs app.reload (src/serve.ts): refused the same, said in an error line.
        warnings.length = 0;
        const hangup = await running.app.reload();
        assert.equal(hangup.ok, false, what);
        assert.deepEqual(
          warnings.map((line) => [line.level, line.msg, line.problems]),
          [
            [
              50,
              'config reload failed: the configuration leaves no enabled target: the running one is kept',
              [{ path: 'targets', message: reason + message }],
            ],
          ],
        );
      }
      const sent = await call(running.url, 'POST', '/webhook', {
        json: webhook(anAlert({ team: 'a' })),
      });
      assert.equal(sent.status, 202);
      await eventually('a is still delivered to', async () => {
        if (servers.a.requests.length === 1) return true;
        await clock.advance(200);
        return false;
      });
    });

    it('answers and warns of a lower max_alerts bound when a reload adds targets', async () => {
      const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => target(name, servers.c.url, name));
      current = yaml(mode, six.join(''));
      warnings.length = 0;
      const reloaded = await call(running.url, 'POST', '/-/reload');
      assert.equal(reloaded.status, 200, reloaded.text);
      const after = bound(6);
      assert.deepEqual((reloaded.body as { max_alerts_bound: unknown }).max_alerts_bound, {
        before: bound(2),
        after,
      });
      assert.deepEqual(
        warnings.map((line) => [line.max_alerts, line.msg]),
        [
          [
            after,
            `a webhook request of more than ${after} alerts may be refused with 413 (not retried by Alertmanager): set its max_alerts to ${after} or less, or raise queue.capacity`,
          ],
        ],
      );

      warnings.length = 0;
      const same = await call(running.url, 'POST', '/-/reload');
      assert.deepEqual((same.body as { max_alerts_bound: unknown }).max_alerts_bound, {
        before: after,
        after,
      });
      assert.deepEqual(warnings, [], 'an unchanged bound is not warned of again');
    });

    it('answers and logs a value of the wrong type by its type, never the secret it holds', async () => {
      current = yaml(
        mode,
        `  - name: a\n    type: webhook\n    url: "${servers.a.url}/hook"\n    headers:\n      X-Api-Key: \${APIK}\n` +
          target('b', servers.b.url, 'b'),
      );
      warnings.length = 0;
      const refused = await call(running.url, 'POST', '/-/reload');
      assert.equal(refused.status, 422);
      assert.deepEqual((refused.body as { error: { details: unknown } }).error.details, [
        {
          path: 'targets[0].headers.X-Api-Key',
          message: 'expected string, got number: quote it: "${APIK}"',
        },
      ]);
      assert.doesNotMatch(refused.text, new RegExp(APIK));
      assert.equal(warnings.length, 1);
      assert.doesNotMatch(JSON.stringify(warnings), new RegExp(APIK));
    });
  });
}
