import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { encodeReplayCursor } from '../../dlq/replay-cursor.js';
import { aDlqEntry } from '../../../test/support/service-fake-dlq.js';
import type { FakeDeps } from '../../../test/support/service-fakes.js';
import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { call, errorCode, errorPaths, startServer } from '../../../test/support/service-http.js';

describe('HTTP API over a real socket', () => {
  let deps: FakeDeps;
  let running: RunningServer;
  let url: string;

  before(async () => {
    deps = createFakeDeps();
    running = await startServer(deps);
    url = running.url;
  });
  after(async () => running.close());

  describe('DLQ', () => {
    const base = '/api/v2/publishing/dlq';

    it('lists a filtered page', async () => {
      const res = await call(url, 'GET', `${base}?target=chat&limit=10`);
      assert.equal(res.status, 200);
      const body = res.body as { entries: { target_name: string }[]; total: number; limit: number };
      assert.deepEqual(
        body.entries.map((e) => e.target_name),
        ['chat'],
      );
      assert.equal(body.total, 1);
      assert.equal(body.limit, 10);
    });

    for (const [query, field] of [
      ['error_type=fatal', 'query.error_type'],
      ['reason=bored', 'query.reason'],
      ['replayed=maybe', 'query.replayed'],
      ['limit=5000', 'query.limit'],
      ['offset=-1', 'query.offset'],
      ['failed_after=yesterday', 'query.failed_after'],
      ['targt=x', 'query.targt'],
    ] as const) {
      it(`answers 400 naming ${field} for ${query}`, async () => {
        const res = await call(url, 'GET', `${base}?${query}`);
        assert.equal(res.status, 400);
        assert.equal(errorCode(res.body), 'invalid_request');
        assert.deepEqual(errorPaths(res.body), [field]);
      });
    }

    it('answers 400 naming query.before, saying what a cursor is, for a cursor no page returned', async () => {
      const res = await call(url, 'GET', `${base}?before=garbage`);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        error: {
          code: 'invalid_request',
          message: 'query.before: must be the next_cursor of a previous page, as it was returned',
          details: [
            {
              path: 'query.before',
              message: 'must be the next_cursor of a previous page, as it was returned',
            },
          ],
        },
      });
    });

    it('shows stats', async () => {
      const res = await call(url, 'GET', `${base}/stats`);
      assert.equal(res.status, 200);
      assert.equal(typeof (res.body as { total: number }).total, 'number');
    });

    it('replays an entry once (202) and refuses a second replay (409)', async () => {
      const id = deps.entries[0]?.id ?? '';
      const first = await call(url, 'POST', `${base}/${id}/replay`);
      assert.equal(first.status, 202);
      assert.match((first.body as { job_id: string }).job_id, /^[0-9a-f-]{36}$/);
      const second = await call(url, 'POST', `${base}/${id}/replay`);
      assert.equal(second.status, 409);
      assert.equal(errorCode(second.body), 'already_replayed');
    });

    it('answers 404 for an unknown entry', async () => {
      const res = await call(url, 'GET', `${base}/00000000-0000-4000-8000-000000000000`);
      assert.equal(res.status, 404);
      assert.equal(errorCode(res.body), 'not_found');
    });

    it('bulk replays by filter with a dry run first, counting letters whose target is gone', async () => {
      deps.entries.push(
        aDlqEntry({
          target_name: 'removed',
          error_type: 'permanent',
          error_reason: 'client_error',
        }),
      );
      const filters = { error_type: 'permanent' };
      const dry = await call(url, 'POST', `${base}/replay`, { json: { filters, dry_run: true } });
      assert.equal(dry.status, 200);
      assert.deepEqual(dry.body, {
        matched: 2,
        replayed: 0,
        would_replay: 1,
        skipped_superseded: 0,
        skipped_target_not_configured: 1,
        targets_not_configured: ['removed'],
        skipped_target_failing: 0,
        targets_failing: [],
        job_ids: [],
        stopped: null,
        more_may_match: false,
        next_cursor: null,
        dry_run: true,
      });
      const real = await call(url, 'POST', `${base}/replay`, { json: { filters, limit: 5 } });
      assert.equal(real.status, 200);
      const body = real.body as Record<string, unknown>;
      assert.deepEqual(
        [
          body.matched,
          body.replayed,
          body.skipped_target_not_configured,
          body.targets_not_configured,
        ],
        [2, 1, 1, ['removed']],
      );
    });

    it('answers 400 naming a bad bulk filter', async () => {
      const res = await call(url, 'POST', `${base}/replay`, {
        json: { filters: { priority: 'urgent' } },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(errorPaths(res.body), ['body.filters.priority']);
    });

    it('accepts a bulk replay cursor a run returned as body.after', async () => {
      const after = encodeReplayCursor({
        after: {
          at: '2026-11-29T12:00:00.000001Z',
          seq: '0',
          id: '00000000-0000-4000-8000-000000000000',
        },
      });
      const res = await call(url, 'POST', `${base}/replay`, { json: { after, dry_run: true } });
      assert.equal(res.status, 200);
    });

    for (const after of ['garbage', '', 7]) {
      it(`answers 400 naming body.after for a bulk replay cursor ${JSON.stringify(after)} no run returned, replaying nothing`, async () => {
        const before = deps.entries.filter((entry) => entry.replayed).length;
        const res = await call(url, 'POST', `${base}/replay`, { json: { after } });
        assert.equal(res.status, 400);
        assert.equal(errorCode(res.body), 'invalid_request');
        assert.deepEqual(errorPaths(res.body), ['body.after']);
        if (after === 'garbage') {
          const message = 'must be the next_cursor of a previous bulk replay, as it was returned';
          assert.deepEqual(res.body, {
            error: {
              code: 'invalid_request',
              message: `body.after: ${message}`,
              details: [{ path: 'body.after', message }],
            },
          });
        }
        assert.equal(deps.entries.filter((entry) => entry.replayed).length, before);
      });
    }

    it('purges entries older than a duration and validates it', async () => {
      const ok = await call(url, 'DELETE', `${base}/purge?older_than=720h`);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, { deleted_count: 0 });
      const bad = await call(url, 'DELETE', `${base}/purge?older_than=soon`);
      assert.equal(bad.status, 400);
      assert.deepEqual(errorPaths(bad.body), ['query.older_than']);
      const missing = await call(url, 'DELETE', `${base}/purge`);
      assert.equal(missing.status, 400);
      assert.deepEqual(errorPaths(missing.body), ['query.older_than']);
    });

    for (const zero of ['0s', '0', '0h0m']) {
      it(`refuses to purge older_than=${zero}, naming query.older_than, and deletes nothing`, async () => {
        const stored = deps.entries.length;
        const res = await call(url, 'DELETE', `${base}/purge?older_than=${zero}`);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, {
          error: {
            code: 'invalid_request',
            message: 'query.older_than: must be more than 0',
            details: [{ path: 'query.older_than', message: 'must be more than 0' }],
          },
        });
        assert.equal(deps.entries.length, stored);
      });
    }

    it('deletes one entry (204) and then answers 404', async () => {
      const id = deps.entries[0]?.id ?? '';
      assert.equal((await call(url, 'DELETE', `${base}/${id}`)).status, 204);
      assert.equal((await call(url, 'DELETE', `${base}/${id}`)).status, 404);
    });
  });
});
