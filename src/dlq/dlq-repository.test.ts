import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { AppError } from '../domain/errors.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { anAlert } from '../../test/support/builders.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import type { DlqFilter } from './dlq-entry.js';
import { createSecretMask } from '../domain/secret-mask.js';
import { createDlqRepository } from './dlq-repository.js';
import { EXACT_TOTAL_LIMIT } from './list-dlq-entries.js';

const HOUR = 3_600_000;

forEachDatabase('DLQ repository', (ctx) => {
  const clock = createFakeClock();
  const repo = () => createDlqRepository({ db: ctx.db(), clock });

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
  });

  it('stores a dead letter as an entry with its full alert, times and replay_of', async () => {
    const replayOf = '00000000-0000-4000-8000-000000000001';
    const letter = aDeadLetter({
      classification: {
        severity: 'critical',
        confidence: 0.8,
        reasoning: 'r',
        recommendations: ['x'],
      },
      replayOf,
    });
    await repo().write([letter]);
    const page = await repo().list({ filter: {} });
    assert.equal(page.entries.length, 1);
    const entry = page.entries[0];
    assert.ok(entry !== undefined);
    const stored = await repo().get(entry.id);
    assert.deepEqual(stored, entry);
    assert.equal(entry.job_id, letter.jobId);
    assert.deepEqual(entry.enriched_alert, {
      alert: letter.alert,
      classification: letter.classification,
    });
    assert.equal(entry.fingerprint, letter.alert.fingerprint);
    assert.equal(entry.failed_at, new Date(letter.failedAt).toISOString());
    assert.equal(entry.last_retry_at, new Date(letter.lastRetryAt ?? 0).toISOString());
    assert.equal(entry.created_at, new Date(clock.now()).toISOString());
    assert.equal(entry.http_status, 503);
    assert.equal(entry.retry_count, 3);
    assert.equal(entry.replay_of, replayOf);
    assert.equal(entry.replayed, false);
    assert.equal(entry.replay_result, null);
  });

  it('stores absent optional fields as NULL and text with quotes, escapes and emoji exactly', async () => {
    const text = 'say "hi"\\n\tback\\slash\nline 2 ⚠️ 𝄞 \u001f';
    const letter = aDeadLetter({
      alert: anAlert({ note: text }, { annotations: { summary: text } }),
      errorMessage: text,
      targetName: `t${text}`,
    });
    delete letter.httpStatus;
    delete letter.lastRetryAt;
    await repo().write([letter]);
    const [entry] = (await repo().list({ filter: {} })).entries;
    assert.ok(entry !== undefined);
    assert.deepEqual(entry.enriched_alert, { alert: letter.alert });
    assert.equal(entry.error_message, text);
    assert.equal(entry.target_name, `t${text}`);
    assert.equal(entry.http_status, null);
    assert.equal(entry.last_retry_at, null);
    assert.equal(entry.replay_of, null);
  });

  it('masks configured secrets in error messages it stores and in rows stored before (issue 14)', async () => {
    const masking = createDlqRepository({
      db: ctx.db(),
      clock,
      mask: createSecretMask(['Bearer S3CR3T-AAA']),
    });
    const old = aDeadLetter({ errorMessage: 'HTTP 401: rejected token S3CR3T-AAA' });
    await repo().write([old]); // as a version without the mask stored it
    const fresh = aDeadLetter({ errorMessage: 'HTTP 401: token S3CR3T-AAA expired' });
    await masking.write([fresh]);
    const stored = await ctx
      .db()
      .query<{ error_message: string }>(
        'SELECT error_message FROM publishing_dlq WHERE job_id = $1',
        [fresh.jobId],
      );
    assert.equal(stored.rows[0]?.error_message, 'HTTP 401: token [REDACTED] expired');
    const page = await masking.list({ filter: {} });
    assert.deepEqual(page.entries.map((e) => e.error_message).sort(), [
      'HTTP 401: rejected token [REDACTED]',
      'HTTP 401: token [REDACTED] expired',
    ]);
    const [first] = page.entries;
    assert.doesNotMatch(JSON.stringify(await masking.get(first?.id ?? '')), /S3CR3T/);
  });

  it('a repeated write of the same jobs stores each job once', async () => {
    const letters = [aDeadLetter(), aDeadLetter()];
    await repo().write(letters);
    await repo().write([...letters, aDeadLetter()]);
    assert.equal((await repo().stats()).total, 3);
  });

  it('stores 10 000 letters in one write', async () => {
    const letters = Array.from({ length: 10_000 }, () => aDeadLetter());
    await repo().write(letters);
    assert.equal((await repo().stats()).total, 10_000);
  });

  it('a large write retried after part of it was stored stores every job once and counts only the new rows', async () => {
    const letters = Array.from({ length: 1200 }, () => aDeadLetter());
    assert.equal(await repo().insert(letters.slice(300, 700)), 400);
    assert.equal(await repo().insert(letters), 800);
    assert.equal((await repo().stats()).total, 1200);
    const stored = await ctx.db().query<{ job_id: string }>('SELECT job_id FROM publishing_dlq');
    assert.deepEqual(
      stored.rows.map((row) => row.job_id).sort(),
      letters.map((letter) => letter.jobId).sort(),
    );
  });

  it('keeps no secret of the target config or error message in any row', async () => {
    await repo().write([
      aDeadLetter({
        targetConfig: {
          url: 'https://user:hunter2@hooks.example.com/in?token=s3cr3t-q',
          headers: { Authorization: 'Bearer s3cr3t-h', 'X-Team': 'sre' },
          routing_key: 's3cr3t-rk',
          slack: 'https://hooks.slack.com/services/T000/B000/s3cr3t-slack',
        },
        errorMessage: 'POST https://u:s3cr3t-m@api.example.com/x?key=s3cr3t-k failed',
      }),
    ]);
    const rows = await ctx
      .db()
      .query<{ row: string }>('SELECT row_to_json(d)::text AS row FROM publishing_dlq d');
    const text = rows.rows.map((r) => r.row).join('\n');
    for (const secret of ['hunter2', 's3cr3t']) assert.ok(!text.includes(secret), text);
    assert.ok(text.includes('X-Team'));
  });

  it('get and remove answer for unknown and malformed ids', async () => {
    await repo().write([aDeadLetter()]);
    const [entry] = (await repo().list({ filter: {} })).entries;
    assert.ok(entry !== undefined);
    assert.equal(await repo().get('00000000-0000-4000-8000-000000000000'), undefined);
    assert.equal(await repo().get('not-a-uuid'), undefined);
    assert.equal(await repo().remove('not-a-uuid'), false);
    assert.equal(await repo().remove(entry.id), true);
    assert.equal(await repo().remove(entry.id), false);
    assert.equal(await repo().get(entry.id), undefined);
  });

  it('each filter returns exactly the matching entries, newest first', async () => {
    const base = Date.parse('2026-11-29T00:00:00Z');
    const letters = [
      aDeadLetter({
        targetName: 'a',
        errorType: 'transient',
        errorReason: 'timeout',
        priority: 'high',
        failedAt: base,
      }),
      aDeadLetter({
        targetName: 'b',
        errorType: 'permanent',
        errorReason: 'auth_error',
        priority: 'low',
        failedAt: base + HOUR,
      }),
      aDeadLetter({
        targetName: 'a',
        errorType: 'unknown',
        errorReason: 'internal',
        priority: 'medium',
        failedAt: base + 2 * HOUR,
      }),
      aDeadLetter({
        targetName: 'b',
        errorType: 'transient',
        errorReason: 'shutdown',
        priority: 'high',
        failedAt: base + 3 * HOUR,
      }),
    ];
    await repo().write(letters);
    const [first] = (await repo().list({ filter: { target: 'a' } })).entries;
    assert.ok(first !== undefined);
    await ctx
      .db()
      .query(
        "UPDATE publishing_dlq SET replayed = true, replayed_at = now(), replay_result = 'submitted' WHERE job_id = $1",
        [letters[2]?.jobId],
      );
    const jobIds = async (filter: DlqFilter): Promise<string[]> =>
      (await repo().list({ filter })).entries.map((e) => e.job_id);
    const ids = letters.map((l) => l.jobId);
    assert.deepEqual(await jobIds({}), [ids[3], ids[2], ids[1], ids[0]]);
    assert.deepEqual(await jobIds({ target: 'a' }), [ids[2], ids[0]]);
    assert.deepEqual(await jobIds({ error_type: 'transient' }), [ids[3], ids[0]]);
    assert.deepEqual(await jobIds({ reason: 'auth_error' }), [ids[1]]);
    assert.deepEqual(await jobIds({ priority: 'high' }), [ids[3], ids[0]]);
    assert.deepEqual(await jobIds({ replayed: true }), [ids[2]]);
    assert.deepEqual(await jobIds({ replayed: false }), [ids[3], ids[1], ids[0]]);
    assert.deepEqual(await jobIds({ fingerprint: letters[1]?.alert.fingerprint }), [ids[1]]);
    assert.deepEqual(await jobIds({ failed_after: base + HOUR }), [ids[3], ids[2], ids[1]]);
    assert.deepEqual(await jobIds({ failed_before: base + HOUR }), [ids[0]]);
    assert.deepEqual(await jobIds({ target: 'b', error_type: 'transient', failed_after: base }), [
      ids[3],
    ]);
  });

  it('pages by offset and by cursor through every entry once, newest first', async () => {
    const base = Date.parse('2026-11-29T00:00:00Z');
    // Pairs share a failed_at, so the cursor must break ties by id.
    const letters = Array.from({ length: 25 }, (_, i) =>
      aDeadLetter({ failedAt: base + Math.floor(i / 2) }),
    );
    await repo().write(letters);
    const all = (await repo().list({ filter: {}, limit: 1000 })).entries;
    assert.equal(all.length, 25);
    const byOffset = [];
    for (let offset = 0; offset < 25; offset += 10) {
      byOffset.push(...(await repo().list({ filter: {}, limit: 10, offset })).entries);
    }
    assert.deepEqual(
      byOffset.map((e) => e.id),
      all.map((e) => e.id),
    );

    const byCursor = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await repo().list({
        filter: {},
        limit: 10,
        ...(before === undefined ? {} : { before }),
      });
      byCursor.push(...page.entries);
      before = page.next_cursor ?? undefined;
      pages += 1;
    } while (before !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(
      byCursor.map((e) => e.id),
      all.map((e) => e.id),
    );
    const times = all.map((e) => Date.parse(e.failed_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  it('rejects a limit above 1000, a negative offset and a forged cursor', async () => {
    const isInvalid = (error: unknown) =>
      error instanceof AppError && error.code === 'invalid_request';
    await assert.rejects(repo().list({ filter: {}, limit: 1001 }), isInvalid);
    await assert.rejects(repo().list({ filter: {}, offset: -1 }), isInvalid);
    await assert.rejects(repo().list({ filter: {}, before: 'bm9wZQ' }), isInvalid);
    assert.equal((await repo().list({ filter: {} })).limit, 100);
  });

  it('counts exactly up to 10 000 and flags a lower bound beyond', async () => {
    await ctx.db().query(
      `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type, enriched_alert,
         error_type, error_reason, priority, failed_at)
       SELECT gen_random_uuid(), 'fp', CASE WHEN g <= 10 THEN 'few' ELSE 'many' END, 'webhook',
         '{"alert": {}}', 'transient', 'timeout', 'low',
         timestamptz '2026-11-01T00:00:00Z' + g * interval '1 millisecond'
       FROM generate_series(1, $1::int) AS g`,
      [EXACT_TOTAL_LIMIT + 10],
    );
    const capped = await repo().list({ filter: {}, limit: 1 });
    assert.equal(capped.total_is_lower_bound, true);
    assert.equal(capped.total, EXACT_TOTAL_LIMIT + 1);
    const exact = await repo().list({ filter: { target: 'many' } });
    assert.deepEqual([exact.total, exact.total_is_lower_bound], [EXACT_TOTAL_LIMIT, false]);
    const few = await repo().list({ filter: { target: 'few' }, offset: 5 });
    assert.deepEqual([few.total, few.entries.length], [10, 5]);
  });

  it('purges entries older than the cutoff and keeps the one exactly at it', async () => {
    const now = clock.now();
    await repo().write([
      aDeadLetter({ jobId: '00000000-0000-4000-8000-00000000000a', failedAt: now - 2 * HOUR }),
      aDeadLetter({ jobId: '00000000-0000-4000-8000-00000000000b', failedAt: now - HOUR - 1 }),
      aDeadLetter({ jobId: '00000000-0000-4000-8000-00000000000c', failedAt: now - HOUR }),
      aDeadLetter({ jobId: '00000000-0000-4000-8000-00000000000d', failedAt: now }),
    ]);
    assert.equal(await repo().purge(HOUR), 2);
    const left = (await repo().list({ filter: {} })).entries.map((e) => e.job_id.slice(-1));
    assert.deepEqual(left, ['d', 'c']);
    assert.equal(await repo().purge(HOUR), 0);
  });

  it('stats count by error type, target, priority and target × reason with oldest and newest', async () => {
    const base = Date.parse('2026-11-29T00:00:00Z');
    await repo().write([
      aDeadLetter({ targetName: 'a', errorType: 'transient', priority: 'high', failedAt: base }),
      aDeadLetter({
        targetName: 'a',
        errorType: 'permanent',
        errorReason: 'auth_error',
        priority: 'high',
        failedAt: base + 5,
      }),
      aDeadLetter({ targetName: 'b', errorType: 'transient', priority: 'low', failedAt: base + 9 }),
    ]);
    await ctx
      .db()
      .query(
        "UPDATE publishing_dlq SET replayed = true, replayed_at = now(), replay_result = 'submitted' WHERE target_name = 'b'",
      );
    assert.deepEqual(await repo().stats(), {
      total: 3,
      replayed: 1,
      by_error_type: { transient: 2, permanent: 1 },
      by_target: { a: 2, b: 1 },
      by_priority: { high: 2, low: 1 },
      by_target_reason: [
        { target: 'a', reason: 'auth_error', count: 1, replayed: 0 },
        { target: 'a', reason: 'server_error', count: 1, replayed: 0 },
        { target: 'b', reason: 'server_error', count: 1, replayed: 1 },
      ],
      oldest_failed_at: new Date(base).toISOString(),
      newest_failed_at: new Date(base + 9).toISOString(),
    });
  });

  it('stats of an empty DLQ are zeros', async () => {
    const stats = await repo().stats();
    assert.deepEqual([stats.total, stats.oldest_failed_at, stats.by_target], [0, null, {}]);
  });
});
