import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createFakeDeps } from '../../../test/support/service-fakes.js';
import type { RunningServer } from '../../../test/support/service-http.js';
import { call, startServer } from '../../../test/support/service-http.js';

const UNKNOWN_JOB = '/api/v2/publishing/queue/jobs/00000000-0000-4000-8000-000000000000';

for (const [mode, reason] of [
  [
    'memory',
    'finished jobs are kept in a bounded store, the last tracking.capacity, until a restart',
  ],
  ['durable', 'finished jobs are kept for queue.durable.retention'],
] as const) {
  describe(`an unknown job in ${mode} mode, over a real socket`, () => {
    let running: RunningServer;

    before(async () => {
      const readiness = { mode, databaseReachable: () => Promise.resolve(true) };
      running = await startServer(createFakeDeps({ readiness }));
    });
    after(async () => running.close());

    it(`is a 404 saying how long ${mode} mode keeps finished jobs`, async () => {
      const res = await call(running.url, 'GET', UNKNOWN_JOB);
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        error: {
          code: 'not_found',
          message: `job 00000000-0000-4000-8000-000000000000 is not known (${reason})`,
          details: [],
        },
      });
    });
  });
}
