import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';

import type { Db } from '../db/db.js';
import { DatabaseUnavailable, isDatabaseUnavailable } from '../db/database-unavailable.js';
import { alertStateOf } from '../domain/alert-state.js';
import { AppError } from '../domain/errors.js';
import type { Target } from '../domain/target.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase } from '../../test/support/databases.js';
import {
  aDeadLetter,
  aTarget,
  type FakeEngine,
  replaySuite,
  storeLetters,
  withCode,
} from '../../test/support/dlq-fixtures.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import type { DlqEntry } from './dlq-entry.js';
import { createDlqRepository, type DlqRepository } from './dlq-repository.js';
import { replayEntry, type ReplayDeps } from './replay-entry.js';
import { type BulkReplayResult, replayMatching } from './replay-matching.js';

forEachDatabase('DLQ bulk replay', (ctx) => {
  const clock = createFakeClock();
  let repo: DlqRepository;
  let engine: FakeEngine;
  let targets: Map<string, Target>;
  let deps: ReplayDeps;

  replaySuite(ctx, clock, (state) => ({ repo, engine, targets, deps } = state));

  const stored = (letters?: DeadLetter[]): Promise<DlqEntry[]> => storeLetters(repo, letters);

  it('bulk replay: dry run counts, then replays oldest first up to the limit, skipping replayed ones', async () => {
    targets.set('off', aTarget('off', { enabled: false }));
    const entries = await stored([
      aDeadLetter({ errorReason: 'timeout' }),
      aDeadLetter({ errorReason: 'timeout' }),
      aDeadLetter({ errorReason: 'timeout', targetName: 'gone' }),
      aDeadLetter({ errorReason: 'timeout' }),
      aDeadLetter({ errorReason: 'timeout', targetName: 'off' }),
      aDeadLetter({ errorReason: 'auth_error', errorType: 'permanent' }),
    ]);
    const filter = { reason: 'timeout' } as const;
    assert.deepEqual(await replayMatching(deps, filter, { limit: 10, dryRun: true }), {
      matched: 5,
      replayed: 0,
      would_replay: 3,
      skipped_superseded: 0,
      skipped_target_not_configured: 2,
      targets_not_configured: ['gone', 'off'],
      skipped_target_failing: 0,
      targets_failing: [],
      job_ids: [],
      stopped: null,
      more_may_match: false,
      next_cursor: null,
    });
    assert.equal(engine.submitted.length, 0);
    const first = await replayMatching(deps, filter, { limit: 2 });
    assert.deepEqual([first.matched, first.replayed, first.job_ids.length], [2, 2, 2]);
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      [entries[0]?.id, entries[1]?.id],
    );
    const second = await replayMatching(deps, filter, { limit: 10 });
    assert.deepEqual(
      [
        second.matched,
        second.replayed,
        second.skipped_target_not_configured,
        second.targets_not_configured,
      ],
      [3, 1, 2, ['gone', 'off']],
    );
    assert.equal((await repo.get(entries[2]?.id ?? ''))?.replayed, false);
    await assert.rejects(
      replayMatching(deps, filter, { limit: 1001 }),
      withCode('invalid_request'),
    );
  });

  it('bulk replay throws queue_full when nothing could be submitted', async () => {
    await stored();
    engine.refuseWith = { ok: false, code: 'queue_full', priority: 'medium', retryAfterMs: 5000 };
    await assert.rejects(replayMatching(deps, {}, { limit: 10 }), withCode('queue_full'));
    assert.equal((await repo.stats()).replayed, 0);
  });

  it('bulk replay skips letters whose target breaker is open or half open, naming the targets; a single replay sends one anyway', async () => {
    targets.set('pager', aTarget('pager'));
    targets.set('chat', aTarget('chat'));
    engine.breakers.set('pager', 'open');
    engine.breakers.set('chat', 'half_open');
    const entries = await stored([
      aDeadLetter({ targetName: 'pager' }),
      aDeadLetter(),
      aDeadLetter({ targetName: 'chat' }),
      aDeadLetter({ targetName: 'pager' }),
    ]);
    const skipped = { skipped_target_failing: 3, targets_failing: ['chat', 'pager'] };
    const dry = await replayMatching(deps, {}, { limit: 10, dryRun: true });
    assert.deepEqual(
      [dry.would_replay, dry.skipped_target_failing, dry.targets_failing],
      [1, ...Object.values(skipped)],
    );
    const real = await replayMatching(deps, {}, { limit: 10 });
    assert.deepEqual(
      [real.matched, real.replayed, real.skipped_target_failing, real.targets_failing],
      [4, 1, ...Object.values(skipped)],
    );
    assert.deepEqual(
      engine.submitted.map((r) => r.target),
      ['audit'],
    );
    assert.equal((await repo.get(entries[0]?.id ?? ''))?.replayed, false);
    const { job_id } = await replayEntry(deps, entries[0]?.id ?? '');
    assert.equal((await repo.get(entries[0]?.id ?? ''))?.replay_job_id, job_id);
  });

  it('bulk replay submits each chunk of letters in one admission and records every job', async () => {
    const entries = await stored([aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    const submit = engine.submit.bind(engine);
    const batches: number[] = [];
    engine.submit = (requests) => {
      batches.push(requests.length);
      return submit(requests);
    };
    const result = await replayMatching(deps, {}, { limit: 10, chunkSize: 2 });
    assert.deepEqual([result.replayed, batches], [3, [2, 1]]);
    const recorded = await Promise.all(entries.map((e) => repo.get(e.id)));
    assert.deepEqual(
      recorded.map((e) => e?.replay_job_id),
      engine.jobIds(),
    );
  });

  it('bulk replay stopped by a full queue midway returns what it replayed with stopped queue_full', async () => {
    await stored([aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    const submit = engine.submit.bind(engine);
    // A lane that holds two jobs; admission is all-or-nothing per submit.
    engine.submit = async (requests) => {
      if (engine.submitted.length + requests.length > 2) {
        return { ok: false, code: 'queue_full', priority: 'medium', retryAfterMs: 5000 };
      }
      return submit(requests);
    };
    const result = await replayMatching(deps, {}, { limit: 10 });
    assert.deepEqual(
      [result.matched, result.replayed, result.job_ids.length, result.stopped],
      [3, 2, 2, 'queue_full'],
    );
  });

  it('bulk replay cut off by a database outage returns the letters it replayed with stopped database_unavailable', async () => {
    let isCut = false;
    const db = ctx.db();
    const cuttable: Db = {
      kind: db.kind,
      query: (text, params, options) =>
        isCut
          ? Promise.reject(new DatabaseUnavailable('connection refused', { cause: undefined }))
          : db.query(text, params, options),
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
    };
    const cutRepo = createDlqRepository({ db: cuttable, clock });
    await stored([aDeadLetter(), aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    const submit = engine.submit.bind(engine);
    engine.submit = async (requests) => {
      const submitted = await submit(requests);
      // The first chunk's two jobs are in the engine; recording them meets the outage.
      if (engine.submitted.length === 2) isCut = true;
      return submitted;
    };
    const result = await replayMatching(
      { ...deps, repo: cutRepo },
      {},
      { limit: 10, chunkSize: 2 },
    );
    // The outage cuts the run as it records the first chunk: it looked at those two letters.
    assert.deepEqual(
      [result.matched, result.replayed, result.job_ids, result.stopped, result.more_may_match],
      [2, 2, engine.jobIds(), 'database_unavailable', true],
    );
    isCut = false;
    const again = await replayMatching({ ...deps, repo: cutRepo }, {}, { limit: 10 });
    assert.deepEqual([again.matched, again.replayed, again.stopped], [2, 2, null]);
  });

  it('bulk replay answers the outage itself when the engine cannot store the first job', async () => {
    await stored([aDeadLetter(), aDeadLetter()]);
    const unavailable = new AppError('unavailable', 'the job database is unreachable', {
      cause: new DatabaseUnavailable('connection refused', { cause: undefined }),
    });
    const submit = engine.submit.bind(engine);
    let calls = 0;
    engine.submit = (requests) => {
      calls += 1;
      return calls === 1 ? submit(requests) : Promise.reject(unavailable);
    };
    // One letter per chunk: the second chunk's submit meets the outage.
    const partial = await replayMatching(deps, {}, { limit: 10, chunkSize: 1 });
    assert.deepEqual([partial.replayed, partial.stopped], [1, 'database_unavailable']);
    await assert.rejects(replayMatching(deps, {}, { limit: 10 }), (error: unknown) =>
      isDatabaseUnavailable(error),
    );
    assert.equal((await repo.stats()).replayed, 1);
  });

  /** A letter for `audit` whose alert `audit` was since sent a resolve of (superseded). */
  const aSupersededLetter = (): DeadLetter => {
    const letter = aDeadLetter();
    const state = { ...alertStateOf(letter.alert), status: 'resolved' as const };
    engine.newest.set(`audit\u0000${letter.alert.fingerprint}`, { jobId: randomUUID(), state });
    return letter;
  };

  it('bulk replay counts a superseded letter of a failing target as superseded, not as waiting for its target', async () => {
    engine.breakers.set('audit', 'half_open');
    await stored([aSupersededLetter(), aSupersededLetter(), aDeadLetter()]);
    for (const dryRun of [true, false]) {
      const result = await replayMatching(deps, {}, { limit: 10, dryRun });
      assert.deepEqual(
        [result.skipped_superseded, result.skipped_target_failing, result.targets_failing],
        [2, 1, ['audit']],
      );
    }
  });

  it('bulk replay walks past more than `limit` skipped letters to replay the ones behind them; the dry run says the same', async () => {
    const skipped = [
      ...Array.from({ length: 5 }, aSupersededLetter),
      aDeadLetter({ targetName: 'gone' }),
      aDeadLetter({ targetName: 'gone' }),
    ];
    const entries = await stored([...skipped, aDeadLetter(), aDeadLetter(), aDeadLetter()]);
    const behind = entries.slice(skipped.length).map((entry) => entry.id);
    const expected = {
      matched: 9,
      skipped_superseded: 5,
      skipped_target_not_configured: 2,
      targets_not_configured: ['gone'],
      more_may_match: true,
      stopped: null,
    };
    const pick = (result: BulkReplayResult) => ({
      matched: result.matched,
      skipped_superseded: result.skipped_superseded,
      skipped_target_not_configured: result.skipped_target_not_configured,
      targets_not_configured: result.targets_not_configured,
      more_may_match: result.more_may_match,
      stopped: result.stopped,
    });
    const options = { limit: 2, chunkSize: 3 };
    const dry = await replayMatching(deps, {}, { ...options, dryRun: true });
    assert.deepEqual(
      { ...pick(dry), would_replay: dry.would_replay },
      { ...expected, would_replay: 2 },
    );
    assert.equal(engine.submitted.length, 0);
    const first = await replayMatching(deps, {}, options);
    assert.deepEqual({ ...pick(first), replayed: first.replayed }, { ...expected, replayed: 2 });
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      behind.slice(0, 2),
    );
    const second = await replayMatching(deps, {}, options);
    assert.deepEqual([second.matched, second.replayed, second.more_may_match], [8, 1, false]);
    assert.deepEqual(
      engine.submitted.map((r) => r.replayOf),
      behind,
    );
  });

  it('bulk replay stops with examined_limit after examining the most one run may, replaying none', async () => {
    await stored([...Array.from({ length: 4 }, aSupersededLetter), aDeadLetter()]);
    const result = await replayMatching(deps, {}, { limit: 10, chunkSize: 3, maxExamined: 4 });
    assert.deepEqual(
      [
        result.matched,
        result.replayed,
        result.skipped_superseded,
        result.stopped,
        result.more_may_match,
      ],
      [4, 0, 4, 'examined_limit', true],
    );
    const unbounded = await replayMatching(deps, {}, { limit: 10, chunkSize: 3 });
    assert.deepEqual([unbounded.matched, unbounded.replayed, unbounded.stopped], [5, 1, null]);
  });
});
