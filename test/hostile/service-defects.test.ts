import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { QUEUE_MODES } from '../../src/domain/job.js';
import { isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { FakeClock } from '../support/fake-clock.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import { call, errorCode, errorPaths } from '../support/service-http.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';
import { migratedScratchDatabase } from '../engine/durable/support/scratch-database.js';
import type { ScratchDatabase } from '../engine/durable/support/scratch-database.js';

/**
 * Issue 14 ("nothing poisons it") through the running service, in both queue modes: each
 * test sends what the attack on main sent and asserts the repaired behaviour. The connection
 * limits and the journal are in their own files (connection-limits.test.ts, journal-start.test.ts).
 */
const TOKEN = 'S3CR3T-AAA';
const OTHER_SECRET = 'ROOTLY-GGG-123';
const ECHO = `rejected token ${TOKEN}; ${OTHER_SECRET} seen`;

function yaml(mode: string, echoUrl: string): string {
  return `
queue:
  mode: ${mode}
  # Virtual time runs ahead of real heartbeats here: a long lease keeps it from lapsing.
  durable: { heartbeat: 1s, poll_interval: 1s, lease: 10m }
retry: { max_retries: 0 }
targets:
  - name: echo
    type: webhook
    url: "${echoUrl}/hook"
    headers: { Authorization: "Bearer ${TOKEN}" }
    match: ['team="echo"']
  - name: incidents
    type: rootly
    enabled: false
    token: ${OTHER_SECRET}
`;
}

interface Entry {
  job_id: string;
  error_message: string;
  enriched_alert: { alert: { labels: Record<string, string> } };
}

function webhook(alertsJson: string[]): string {
  return `{"version":"4","alerts":[${alertsJson.join(',')}]}`;
}

function alertJson(labels: string): string {
  return `{"status":"firing","labels":{"alertname":"x","team":"echo",${labels}}}`;
}

const postgres = await isPostgresReachable();

for (const mode of QUEUE_MODES) {
  describe(`hostile input, ${mode} mode (PostgreSQL)`, () => {
    if (!postgres) {
      it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let clock: FakeClock;
    let echo: TargetServer;
    let database: ScratchDatabase;
    let app: RunningApp;

    before(async () => {
      clock = createFakeClock();
      echo = await startTargetServer({ status: 400, body: ECHO });
      database = await migratedScratchDatabase(2);
      app = await startApp({ yaml: yaml(mode, echo.url), databaseUrl: database.url, clock });
    });
    after(async () => {
      await app.stop();
      await echo.close();
      await database.drop();
    });

    /** The DLQ entries of these jobs, once all are stored (virtual time moves meanwhile). */
    const entriesOf = (jobIds: readonly string[]): Promise<Entry[]> =>
      eventually(`dead letters of ${jobIds.join(', ')}`, async () => {
        await clock.advance(200);
        const page = await call(app.url, 'GET', '/api/v2/publishing/dlq?target=echo&limit=1000');
        const entries = (page.body as { entries: Entry[] }).entries.filter((e) =>
          jobIds.includes(e.job_id),
        );
        return entries.length === jobIds.length ? entries : undefined;
      });

    it('defect 1: stores a dead letter holding a lone surrogate or NUL, and the one beside it', async () => {
      const res = await call(app.url, 'POST', '/webhook', {
        raw: webhook([alertJson('"v":"x\\ud800y","n":"a\\u0000b"'), alertJson('"v":"clean"')]),
      });
      assert.equal(res.status, 202);
      const { job_ids: jobIds, rejected } = res.body as { job_ids: string[]; rejected: unknown[] };
      assert.deepEqual(rejected, []);
      const entries = await entriesOf(jobIds);
      const poisoned = entries.find((e) => e.job_id === jobIds[0]);
      assert.equal(poisoned?.enriched_alert.alert.labels['v'], 'x\ufffdy');
      assert.equal(poisoned?.enriched_alert.alert.labels['n'], 'a\ufffdb');
    });

    it('defect 1: an alert whose time PostgreSQL cannot store is refused alone, the others go on', async () => {
      const res = await call(app.url, 'POST', '/webhook', {
        raw: webhook([
          alertJson('"t":"year0"').replace(
            '"status"',
            '"startsAt":"0000-01-01T00:00:00Z","status"',
          ),
          alertJson('"t":"ok"'),
        ]),
      });
      assert.equal(res.status, 202, res.text);
      const body = res.body as { job_ids: string[]; rejected: Array<{ index: number }> };
      assert.deepEqual(
        body.rejected.map((r) => r.index),
        [0],
      );
      assert.equal((await entriesOf(body.job_ids)).length, 1);
    });

    it('defects 3 and 4: a token echoed by a target is masked in the DLQ, the job and the target test', async () => {
      const straddling = `${'#'.repeat(292)}token ${TOKEN} after the cut`;
      echo.respond({ status: 400, body: ECHO }, { status: 400, body: straddling });
      const res = await call(app.url, 'POST', '/webhook', {
        raw: webhook([alertJson('"i":"1"'), alertJson('"i":"2"')]),
      });
      const { job_ids: jobIds } = res.body as { job_ids: string[] };
      const entries = await entriesOf(jobIds);
      const messages = entries.map((e) => e.error_message).join('\n');
      assert.match(messages, /rejected token \[REDACTED\]; \[REDACTED\] seen/);
      assert.doesNotMatch(messages, /S3CR|ROOTLY-G/);
      for (const id of jobIds) {
        const job = await call(app.url, 'GET', `/api/v2/publishing/queue/jobs/${id}`);
        assert.doesNotMatch(job.text, /S3CR|ROOTLY-G/);
      }
      const tested = await call(app.url, 'POST', '/api/v2/publishing/targets/echo/test');
      assert.equal(tested.status, 200);
      assert.equal(
        (tested.body as { message: string }).message,
        'permanent/client_error: HTTP 400: rejected token [REDACTED]; [REDACTED] seen',
      );
    });

    const badValues: Array<[string, 'GET' | 'POST' | 'DELETE', string, unknown, string]> = [
      [
        'a NUL target filter',
        'GET',
        '/api/v2/publishing/dlq?target=%00',
        undefined,
        'query.target',
      ],
      [
        'a year-0 failed_after',
        'GET',
        '/api/v2/publishing/dlq?failed_after=0000-01-01T00:00:00Z',
        undefined,
        'query.failed_after',
      ],
      [
        'an endless purge age',
        'DELETE',
        '/api/v2/publishing/dlq/purge?older_than=100000000d',
        undefined,
        'query.older_than',
      ],
      [
        'a bulk replay before year 0',
        'POST',
        '/api/v2/publishing/dlq/replay',
        { filters: { failed_before: '0000-01-01T00:00:00Z' } },
        'body.filters.failed_before',
      ],
      [
        'a bulk replay of a NUL target',
        'POST',
        '/api/v2/publishing/dlq/replay',
        { filters: { target: '\u0000' } },
        'body.filters.target',
      ],
      [
        'a NUL job target filter',
        'GET',
        '/api/v2/publishing/queue/jobs?target=%00',
        undefined,
        'query.target',
      ],
      [
        'an infinite limit',
        'GET',
        '/api/v2/publishing/alerts?limit=Infinity',
        undefined,
        'query.limit',
      ],
      [
        'a NUL alertname',
        'GET',
        '/api/v2/publishing/alerts?alertname=%00',
        undefined,
        'query.alertname',
      ],
      [
        'a cursor from year 0',
        'GET',
        `/api/v2/publishing/dlq?before=${Buffer.from('0000-01-01T00:00:00Z|00000000-0000-4000-8000-000000000000').toString('base64url')}`,
        undefined,
        'query.before',
      ],
    ];
    for (const [what, method, path, json, field] of badValues) {
      it(`defect 5: answers ${what} with a 400 naming ${field}`, async () => {
        const res = await call(app.url, method, path, json === undefined ? {} : { json });
        assert.equal(res.status, 400, res.text);
        assert.equal(errorCode(res.body), 'invalid_request');
        assert.deepEqual(errorPaths(res.body), [field]);
      });
    }

    it('defect 6: a __proto__ label is a label; only an alert whose label is not a string is refused', async () => {
      const res = await call(app.url, 'POST', '/webhook', {
        raw: webhook([
          alertJson('"__proto__":"p","constructor":"c"'),
          alertJson('"__proto__":{"polluted":true}'),
          alertJson('"v":"fine"'),
        ]),
      });
      assert.equal(res.status, 202, res.text);
      const body = res.body as { job_ids: string[]; rejected: unknown[] };
      assert.equal(body.job_ids.length, 2);
      assert.deepEqual(body.rejected, [
        { index: 1, reason: 'body.alerts[1].labels.__proto__: expected a string' },
      ]);
      const [entry] = await entriesOf(body.job_ids.slice(0, 1));
      assert.equal(entry?.enriched_alert.alert.labels['__proto__'], 'p');
      assert.equal(entry?.enriched_alert.alert.labels['constructor'], 'c');
    });

    it('defect 8: refuses a charset other than UTF-8 and another encoding with 415, decodes gzip', async () => {
      const body = webhook([alertJson('"z":"1"')]);
      const utf16 = await call(app.url, 'POST', '/webhook', {
        raw: body,
        headers: { 'content-type': 'application/json; charset=utf-16' },
      });
      assert.equal(utf16.status, 415);
      assert.match(utf16.text, /charset utf-16 is not supported/);
      const send = (payload: Buffer, encoding: string) =>
        request(`${app.url}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
          body: payload,
        }).then(async (r) => ({ status: r.statusCode, text: await r.body.text() }));
      assert.equal((await send(gzipSync(body), 'gzip')).status, 202);
      assert.equal((await send(Buffer.from(body), 'br')).status, 415);
      const notGzip = await send(Buffer.from(body), 'gzip');
      assert.equal(notGzip.status, 400);
      assert.match(notGzip.text, /not valid gzip/);
      // 2 MiB of zeros compress to 2 KiB: the decompressed size is what body_limit bounds.
      const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
      assert.ok(bomb.length < 10_000);
      assert.equal((await send(bomb, 'gzip')).status, 413);
    });
  });
}
