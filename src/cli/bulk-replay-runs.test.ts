import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';

import { encodeReplayCursor } from '../dlq/replay-cursor.js';
import { runCommand } from '../../test/support/cli-run.js';

/** A bulk replay answer of the API (docs/api.md "Bulk replay"), all counts 0 unless given. */
function anAnswer(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    matched: 0,
    replayed: 0,
    skipped_superseded: 0,
    skipped_target_not_configured: 0,
    targets_not_configured: [],
    skipped_target_failing: 0,
    targets_failing: [],
    job_ids: [],
    stopped: null,
    more_may_match: false,
    next_cursor: null,
    dry_run: false,
    ...fields,
  };
}

const cursor = (n: number): string =>
  encodeReplayCursor({
    after: {
      at: `2026-11-29T12:00:0${n}.000000Z`,
      seq: '0',
      id: `00000000-0000-4000-8000-00000000000${n}`,
    },
  });

/** A server answering bulk replays from a script, in order, and keeping the bodies it got. */
describe('dlq replay --all resuming by cursor', () => {
  let answers: Record<string, unknown>[] = [];
  let bodies: unknown[] = [];
  const server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answers.shift() ?? { error: 'no answer scripted' }));
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    bodies = [];
  });

  it('--until-done goes on from each next_cursor past examined_limit runs, then totals, exit 0', async () => {
    answers = [
      anAnswer({
        matched: 4,
        skipped_superseded: 4,
        stopped: 'examined_limit',
        more_may_match: true,
        next_cursor: cursor(1),
      }),
      anAnswer({
        matched: 3,
        replayed: 1,
        skipped_target_not_configured: 2,
        targets_not_configured: ['gone'],
        job_ids: ['j1'],
        more_may_match: true,
        next_cursor: cursor(2),
      }),
      anAnswer({ matched: 1, replayed: 1, job_ids: ['j2'] }),
    ];
    const run = await runCommand(['dlq', 'replay', '--all', '--until-done', '--url', url]);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(
      bodies.map((body) => (body as { after?: string }).after),
      [undefined, cursor(1), cursor(2)],
    );
    assert.deepEqual(run.out.split('\n'), [
      'run 1: matched 4, replayed 0, skipped as superseded 4, skipped as target not configured 0, ' +
        'skipped as target failing 0, stopped early, it examined the most letters one run may',
      'run 2: matched 3, replayed 1, skipped as superseded 0, skipped as target not configured 2 (gone), ' +
        'skipped as target failing 0, more letters match: run it again',
      'run 3: matched 1, replayed 1, skipped as superseded 0, skipped as target not configured 0, ' +
        'skipped as target failing 0',
      'all 3 runs: matched 8, replayed 2, skipped as superseded 4, ' +
        'skipped as target not configured 2 (gone), skipped as target failing 0',
    ]);
  });

  it('--until-done ends at a run cut by a full queue, exit 1', async () => {
    answers = [anAnswer({ matched: 2, replayed: 1, stopped: 'queue_full', more_may_match: true })];
    const run = await runCommand(['dlq', 'replay', '--all', '--until-done', '--url', url]);
    assert.equal(run.code, 1);
    assert.equal(bodies.length, 1);
  });

  it('one run with more behind prints its cursor; --after sends it back', async () => {
    answers = [anAnswer({ matched: 1, replayed: 1, more_may_match: true, next_cursor: cursor(3) })];
    const first = await runCommand(['dlq', 'replay', '--all', '--limit', '1', '--url', url]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`; go on: --after ${cursor(3)}$`));
    answers = [anAnswer({ matched: 1, replayed: 1 })];
    const next = await runCommand(['dlq', 'replay', '--all', '--after', cursor(3), '--url', url]);
    assert.equal(next.code, 0, next.err);
    assert.equal((bodies[1] as { after?: string }).after, cursor(3));
  });

  it('refuses an --after that is no cursor before calling the server (exit 2)', async () => {
    const run = await runCommand(['dlq', 'replay', '--all', '--after', 'garbage', '--url', url]);
    assert.equal(run.code, 2);
    assert.match(run.err, /--after.*next_cursor of a previous bulk replay/);
    assert.equal(bodies.length, 0);
  });
});

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}
