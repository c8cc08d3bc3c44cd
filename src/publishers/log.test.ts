import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { logTargetSchema } from '../config/targets.js';
import type { Logger } from '../domain/clock.js';
import { createHttpClient } from './http-client.js';
import { createLogPublisher } from './log.js';
import { createSecretMask } from '../domain/secret-mask.js';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const http = createHttpClient();
const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));

describe('log publisher', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-target-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await http.close();
  });

  it('appends each delivered alert as one JSON line', async () => {
    const path = join(dir, 'alerts.jsonl');
    const publisher = createLogPublisher(
      logTargetSchema.parse({ name: 'audit-log', type: 'log', path }),
      { http, clock, logger, mask: createSecretMask([]) },
    );
    const alert = anAlert();
    const signal = new AbortController().signal;
    assert.deepEqual(
      await publisher.publish(
        { jobId: 'j1', target: 'audit-log', alert, priority: 'medium', attempt: 1 },
        signal,
      ),
      { ok: true },
    );
    await publisher.publish(
      { jobId: 'j2', target: 'audit-log', alert, priority: 'low', attempt: 1 },
      signal,
    );
    await publisher.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      time: '2026-11-29T12:00:00.000Z',
      job_id: 'j1',
      target: 'audit-log',
      priority: 'medium',
      alert,
    });
  });

  it('reports an unwritable path as a failure, not an exception', async () => {
    const path = join(dir, 'missing-dir', 'alerts.jsonl');
    const publisher = createLogPublisher(logTargetSchema.parse({ name: 'x', type: 'log', path }), {
      http,
      clock,
      logger,
      mask: createSecretMask([]),
    });
    const outcome = await publisher.publish(
      { jobId: 'j', target: 'x', alert: anAlert(), priority: 'low', attempt: 1 },
      new AbortController().signal,
    );
    assert.deepEqual(outcome, {
      ok: false,
      type: 'unknown',
      reason: 'internal',
      message: 'log write failed: ENOENT',
    });
  });
});
