import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';

import { alertStateOf } from '../domain/alert-state.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { FailureReason } from '../domain/failure.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import {
  aDeadLetter,
  type FakeEngine,
  replaySuite,
  storeLetters,
} from '../../test/support/dlq-fixtures.js';
import type { DlqRepository } from './dlq-repository.js';
import type { ReplayDeps } from './replay-entry.js';
import { decodeReplayCursor } from './replay-cursor.js';
import { type BulkReplayResult, replayMatching } from './replay-matching.js';
import { replayShutdownEntries } from './replay-shutdown-entries.js';

/*
 * A bulk replay walks the letters that existed when it began (docs/api.md, "Bulk replay"): a
 * replayed job that fails again is a new letter, which neither the run that sent it nor the
 * runs going on from its `next_cursor` replay again. And a run that ends at its limit says more
 * may match only when a matching letter lies ahead.
 */

forEachDatabase('DLQ bulk replay within the letters that existed when it began', (ctx) => {
  const clock = createFakeClock();
  let repo: DlqRepository;
  let engine: FakeEngine;
  let deps: ReplayDeps;

  replaySuite(ctx, clock, (state) => ({ repo, engine, deps } = state));

  /**
   * Makes every accepted job fail at once, as against a target answering 400: each is a new
   * letter (with `reason`), written before the submit returns, submitted now.
   */
  function failEachJobAtOnce(reason: FailureReason = 'client_error'): void {
    const submit = engine.submit.bind(engine);
    engine.submit = async (requests) => {
      const result = await submit(requests);
      if (!result.ok) return result;
      await repo.write(
        requests.map((request, index) =>
          aDeadLetter({
            jobId: result.jobIds[index] ?? randomUUID(),
            alert: request.alert,
            targetName: request.target,
            errorReason: reason,
            submittedAt: clock.now(),
            failedAt: clock.now(),
            ...(request.replayOf === undefined ? {} : { replayOf: request.replayOf }),
          }),
        ),
      );
      return result;
    };
  }

  const replayedLetters = (): (string | undefined)[] =>
    engine.submitted.map((request) => request.replayOf);

  async function unreplayedCount(): Promise<number> {
    return (await repo.list({ filter: { replayed: false } })).total;
  }

  it('a run does not replay the letters its own failed replays became', async () => {
    const entries = await storeLetters(
      repo,
      Array.from({ length: 5 }, () => aDeadLetter()),
    );
    failEachJobAtOnce();
    const dry = await replayMatching(deps, {}, { limit: 10, chunkSize: 2, dryRun: true });
    const run = await replayMatching(deps, {}, { limit: 10, chunkSize: 2 });
    assert.deepEqual(
      [run.matched, run.replayed, run.more_may_match, run.next_cursor],
      [5, 5, false, null],
    );
    assert.equal(run.replayed, dry.would_replay, 'the dry run counted what the run replayed');
    assert.deepEqual(
      replayedLetters(),
      entries.map((entry) => entry.id),
    );
    assert.equal(await unreplayedCount(), 5, 'the new letters wait for a run of their own');
  });

  it('runs going on from next_cursor stay within the first run’s letters; a new run replays the new ones', async () => {
    const entries = await storeLetters(
      repo,
      Array.from({ length: 5 }, () => aDeadLetter()),
    );
    failEachJobAtOnce();
    const runs: BulkReplayResult[] = [];
    let cursor: string | null = null;
    do {
      const after = cursor === null ? {} : decodeReplayCursor(cursor);
      const run = await replayMatching(deps, {}, { limit: 2, chunkSize: 2, ...after });
      runs.push(run);
      cursor = run.next_cursor;
    } while (cursor !== null && runs.length < 10);
    assert.deepEqual(
      runs.map((run) => [run.matched, run.replayed, run.more_may_match]),
      [
        [2, 2, true],
        [2, 2, true],
        [1, 1, false],
      ],
    );
    assert.deepEqual(
      replayedLetters(),
      entries.map((entry) => entry.id),
    );

    const fresh = await replayMatching(deps, {}, { limit: 10 });
    assert.deepEqual([fresh.matched, fresh.replayed], [5, 5]);
  });

  it('a run ending at its limit on a chunk’s end says more may match only when a letter lies ahead, superseded or not', async () => {
    const supersededLetter = (): DeadLetter => {
      const letter = aDeadLetter();
      const state = { ...alertStateOf(letter.alert), status: 'resolved' as const };
      engine.newest.set(`audit\u0000${letter.alert.fingerprint}`, { jobId: randomUUID(), state });
      return letter;
    };
    const superseded = Array.from({ length: 50 }, supersededLetter);
    await storeLetters(repo, [...superseded, ...Array.from({ length: 50 }, () => aDeadLetter())]);
    for (const dryRun of [true, false]) {
      const run = await replayMatching(deps, {}, { limit: 50, dryRun });
      assert.deepEqual(
        [run.matched, run.skipped_superseded, run.stopped, run.more_may_match, run.next_cursor],
        [100, 50, null, false, null],
        dryRun ? 'dry run' : 'real run',
      );
    }
    assert.equal(engine.submitted.length, 50);

    await storeLetters(repo, [
      ...Array.from({ length: 4 }, () => aDeadLetter()),
      supersededLetter(),
    ]);
    const run = await replayMatching(deps, {}, { limit: 4, chunkSize: 2 });
    assert.deepEqual([run.replayed, run.more_may_match], [4, true]);
    assert.ok(run.next_cursor !== null);
    const rest = await replayMatching(
      deps,
      {},
      { limit: 4, ...decodeReplayCursor(run.next_cursor) },
    );
    assert.deepEqual([rest.matched, rest.skipped_superseded, rest.more_may_match], [1, 1, false]);
  });

  it('a run that examined its most letters on the last matching one ends with stopped null and no more to match', async () => {
    await storeLetters(
      repo,
      Array.from({ length: 4 }, () => aDeadLetter({ targetName: 'gone' })),
    );
    const run = await replayMatching(deps, {}, { limit: 10, chunkSize: 2, maxExamined: 4 });
    assert.deepEqual(
      [run.matched, run.skipped_target_not_configured, run.stopped, run.more_may_match],
      [4, 4, null, false],
    );
  });

  // Without the bound each round replayed its limit of the letters the last one made, forever.
  it(
    'at start, replayed shutdown letters cut again by a stop are not replayed again',
    { timeout: 20_000 },
    async () => {
      const entries: DeadLetter[] = Array.from({ length: 3 }, () =>
        aDeadLetter({ errorReason: 'shutdown' }),
      );
      const stored = await storeLetters(repo, entries);
      failEachJobAtOnce('shutdown');
      assert.equal(await replayShutdownEntries(deps, silentLogger), 3);
      assert.deepEqual(
        replayedLetters(),
        stored.map((entry) => entry.id),
      );
      assert.equal(await unreplayedCount(), 3);
    },
  );
});
