import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';

import { alertStateOf } from '../domain/alert-state.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import { AppError } from '../domain/errors.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase } from '../../test/support/databases.js';
import {
  aDeadLetter,
  type FakeEngine,
  replaySuite,
  storeLetters,
} from '../../test/support/dlq-fixtures.js';
import type { DlqRepository } from './dlq-repository.js';
import type { ReplayDeps } from './replay-entry.js';
import { decodeReplayCursor, encodeReplayCursor } from './replay-cursor.js';
import { type BulkReplayResult, replayMatching } from './replay-matching.js';

/*
 * Bulk replay resumed by `next_cursor` (docs/api.md, "Bulk replay"): a run that ends before the
 * last matching letter says where the next one goes on, so that skipped letters are walked once.
 */

forEachDatabase('DLQ bulk replay resumed by cursor', (ctx) => {
  const clock = createFakeClock();
  let repo: DlqRepository;
  let engine: FakeEngine;
  let deps: ReplayDeps;

  replaySuite(ctx, clock, (state) => ({ repo, engine, deps } = state));

  const aSupersededLetter = (): DeadLetter => {
    const letter = aDeadLetter();
    const state = { ...alertStateOf(letter.alert), status: 'resolved' as const };
    engine.newest.set(`audit\u0000${letter.alert.fingerprint}`, { jobId: randomUUID(), state });
    return letter;
  };

  /** Runs until no more may match, each from the previous run's cursor. */
  async function runToEnd(
    options: Parameters<typeof replayMatching>[2],
  ): Promise<BulkReplayResult[]> {
    const runs: BulkReplayResult[] = [];
    let cursor: string | null = null;
    do {
      const after = cursor === null ? {} : decodeReplayCursor(cursor);
      const run = await replayMatching(deps, {}, { ...options, ...after });
      runs.push(run);
      cursor = run.next_cursor;
      assert.equal(cursor !== null, run.more_may_match, 'a cursor exactly when more may match');
    } while (cursor !== null && runs.length < 20);
    return runs;
  }

  it('behind more skipped letters than one run examines, runs resuming from next_cursor reach the replayable ones', async () => {
    const skipped = [
      ...Array.from({ length: 7 }, aSupersededLetter),
      aDeadLetter({ targetName: 'gone' }),
      aDeadLetter({ targetName: 'gone' }),
    ];
    const entries = await storeLetters(repo, [...skipped, aDeadLetter(), aDeadLetter()]);
    const behind = entries.slice(skipped.length).map((entry) => entry.id);
    const options = { limit: 10, chunkSize: 3, maxExamined: 4 };

    // Without the cursor every run starts again at the oldest and ends in the skipped ones.
    for (let i = 0; i < 2; i += 1) {
      const again = await replayMatching(deps, {}, options);
      assert.deepEqual([again.matched, again.replayed, again.stopped], [4, 0, 'examined_limit']);
    }

    const runs = await runToEnd(options);
    assert.deepEqual(
      runs.map((run) => [run.matched, run.replayed, run.stopped]),
      [
        [4, 0, 'examined_limit'],
        [4, 0, 'examined_limit'],
        [3, 2, null],
      ],
    );
    assert.deepEqual(
      engine.submitted.map((request) => request.replayOf),
      behind,
    );
  });

  it('a run ended by its limit within a chunk resumes after the last letter it examined', async () => {
    const entries = await storeLetters(repo, [
      aSupersededLetter(),
      aDeadLetter(),
      aSupersededLetter(),
      aDeadLetter(),
      aDeadLetter(),
    ]);
    const runs = await runToEnd({ limit: 1, chunkSize: 5 });
    assert.deepEqual(
      runs.map((run) => [run.matched, run.replayed, run.skipped_superseded]),
      [
        [2, 1, 1],
        [2, 1, 1],
        [1, 1, 0],
      ],
      'each superseded letter examined once',
    );
    assert.deepEqual(
      engine.submitted.map((request) => request.replayOf),
      [entries[1]?.id, entries[3]?.id, entries[4]?.id],
    );
  });

  it('a run cut by a full queue resumes before the chunk it was cut in, so its untried letters are tried', async () => {
    const entries = await storeLetters(repo, [
      aDeadLetter(),
      aDeadLetter(),
      aDeadLetter(),
      aDeadLetter(),
    ]);
    const submit = engine.submit.bind(engine);
    // The second chunk is refused whole, then its first letter fits alone and the second not.
    engine.submit = (requests) =>
      engine.submitted.length + requests.length > 3
        ? Promise.resolve({ ok: false, code: 'queue_full', priority: 'medium', retryAfterMs: 1 })
        : submit(requests);
    const cut = await replayMatching(deps, {}, { limit: 10, chunkSize: 2 });
    assert.deepEqual([cut.replayed, cut.stopped], [3, 'queue_full']);
    assert.ok(cut.next_cursor !== null);
    engine.submit = submit;
    const rest = await replayMatching(
      deps,
      {},
      { limit: 10, ...decodeReplayCursor(cut.next_cursor) },
    );
    assert.deepEqual([rest.matched, rest.replayed, rest.more_may_match], [1, 1, false]);
    assert.deepEqual(
      engine.submitted.map((request) => request.replayOf),
      entries.map((entry) => entry.id),
    );
  });

  it('a cursor reads back with or without its bound; one that is not one a run returned is refused naming its field', () => {
    const position = { at: '2026-11-29T12:00:00.123456Z', seq: '3', id: randomUUID() };
    const upTo = { at: '2026-11-29T12:00:01.000000Z', seq: '9', id: randomUUID() };
    for (const cursor of [{ after: position }, { after: position, upTo }]) {
      const valid = encodeReplayCursor(cursor);
      assert.deepEqual(decodeReplayCursor(valid), cursor);
    }
    const three = `${position.at}|${position.seq}|${position.id}`;
    for (const text of [
      Buffer.from(`${three}|${position.at}|x|${position.id}`).toString('base64url'),
      Buffer.from(`${three}|${position.at}|${position.seq}`).toString('base64url'),
      Buffer.from(`${three}|${three}|${three}`).toString('base64url'),
      'nonsense',
      Buffer.from('2026-11-29T12:00:00.123456Z|3|not-a-uuid').toString('base64url'),
      Buffer.from(`2026-11-29 12:00:00|3|${randomUUID()}`).toString('base64url'),
      Buffer.from(`2026-11-29T12:00:00.123456Z|x|${randomUUID()}`).toString('base64url'),
    ]) {
      assert.throws(
        () => decodeReplayCursor(text, 'body.after'),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'invalid_request' &&
          error.details?.[0]?.path === 'body.after',
      );
    }
  });
});
