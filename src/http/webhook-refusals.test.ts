import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import { pino } from 'pino';

import { anAlert } from '../../test/support/builders.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import { call } from '../../test/support/service-http.js';
import { DatabaseUnavailable } from '../db/database-unavailable.js';
import type { HttpServer } from './server.js';
import { createServer } from './server.js';

const payload = {
  version: '4',
  groupKey: '{}:{}',
  status: 'firing',
  receiver: 'ap',
  alerts: [{ ...anAlert({}), labels: { alertname: 'X' } }],
};

/** A log line as pino writes it, at the default level (info). */
interface LogLine {
  level: number;
  msg: string;
  code?: string;
  refused?: number;
  codes?: Record<string, number>;
}

const WARN = 40;

/**
 * Alertmanager retries a 503'd webhook every few seconds: during an incident the log gets the
 * first refusal and then one summary a minute, not a line per retry (docs/operations.md).
 */
describe('POST /webhook refused with 503, in the log', () => {
  const clock = createFakeClock();
  const lines: LogLine[] = [];
  let deps: FakeDeps;
  let server: HttpServer;
  let url: string;

  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
        done();
      },
    });
    deps = createFakeDeps({ now: () => clock.now() });
    server = createServer(deps, pino({ level: 'info' }, stream));
    url = await server.listen('127.0.0.1', 0);
  });
  after(async () => server.close());

  const webhookLines = (): LogLine[] => lines.filter((line) => !line.msg.startsWith('Server'));

  it('logs the first refusal at warn and none of the retries within a minute, then one summary', async () => {
    deps.engine.nextResult = {
      ok: false,
      code: 'queue_full',
      priority: 'medium',
      retryAfterMs: 5_000,
    };
    for (let k = 0; k < 5; k += 1) {
      assert.equal((await call(url, 'POST', '/webhook', { json: payload })).status, 503);
      await clock.advance(5_000);
    }
    assert.deepEqual(
      webhookLines().map((line) => [line.level, line.code]),
      [[WARN, 'queue_full']],
    );
    deps.engine.submit = () =>
      Promise.reject(new DatabaseUnavailable('connection refused', { cause: undefined }));
    await clock.advance(40_000);
    assert.equal((await call(url, 'POST', '/webhook', { json: payload })).status, 503);
    const summary = webhookLines().slice(1);
    assert.deepEqual(
      summary.map((line) => [line.level, line.refused, line.codes]),
      [[WARN, 5, { queue_full: 4, unavailable: 1 }]],
    );
  });
});
