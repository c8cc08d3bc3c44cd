import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import type { DeadLetter } from '../domain/dead-letter.js';
import { dlqInsertOn } from '../engine/durable/insert-dead-letters.js';
import { anAlert, aClassification } from '../../test/support/builders.js';
import { forEachDatabase } from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import type { DlqEntry } from './dlq-entry.js';
import { createDlqRepository } from './dlq-repository.js';

/**
 * Issue 14, defect 1: one dead letter PostgreSQL cannot store (jsonb refuses U+0000 and lone
 * surrogates; CHECKs refuse odd values) blocked every write of its batch, for ever.
 */
const LONE = '\ud800';

function poisoned(): Record<string, DeadLetter> {
  return {
    surrogateLabel: aDeadLetter({ alert: anAlert({ v: `x${LONE}y` }) }),
    nulAnnotation: aDeadLetter({
      alert: anAlert({}, { annotations: { summary: 'a\u0000b' } }),
    }),
    nulClassification: aDeadLetter({
      classification: aClassification({ reasoning: 'r\u0000', recommendations: [`${LONE}`] }),
    }),
    nulMessage: aDeadLetter({ errorMessage: 'HTTP 400: bad\u0000 body \udfff' }),
    nulTargetName: aDeadLetter({ targetName: 'audit\u0000' }),
  };
}

forEachDatabase('poisoned dead letters', (ctx) => {
  const clock = createFakeClock();
  const repo = () => createDlqRepository({ db: ctx.db(), clock });
  const entries = async (): Promise<Map<string, DlqEntry>> => {
    const page = await repo().list({ filter: {}, limit: 1000 });
    return new Map(page.entries.map((entry) => [entry.job_id, entry]));
  };

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
  });

  it('stores letters holding NUL or lone surrogates with U+FFFD, and the rest of their batch', async () => {
    const bad = poisoned();
    const good = [aDeadLetter(), aDeadLetter()];
    await repo().write([good[0], ...Object.values(bad), good[1]].filter((l) => l !== undefined));
    const stored = await entries();
    assert.equal(stored.size, 7);
    assert.equal(
      stored.get(bad.surrogateLabel?.jobId ?? '')?.enriched_alert.alert.labels['v'],
      'x\ufffdy',
    );
    assert.equal(
      stored.get(bad.nulAnnotation?.jobId ?? '')?.enriched_alert.alert.annotations['summary'],
      'a\ufffdb',
    );
    assert.deepEqual(
      stored.get(bad.nulClassification?.jobId ?? '')?.enriched_alert.classification,
      {
        ...aClassification(),
        reasoning: 'r\ufffd',
        recommendations: ['\ufffd'],
      },
    );
    assert.equal(
      stored.get(bad.nulMessage?.jobId ?? '')?.error_message,
      'HTTP 400: bad\ufffd body \ufffd',
    );
    assert.equal(stored.get(bad.nulTargetName?.jobId ?? '')?.target_name, 'audit\ufffd');
    for (const letter of good) {
      assert.deepEqual(stored.get(letter.jobId)?.enriched_alert.alert, letter.alert);
    }
  });

  it('stores a letter whose target type is unknown (target absent at start) with target_type null', async () => {
    const unknownType = aDeadLetter({ targetType: null });
    const known = aDeadLetter({ targetType: 'slack' });
    await repo().write([unknownType, known]);
    const stored = await entries();
    assert.equal(stored.get(unknownType.jobId)?.target_type, null);
    assert.equal(stored.get(unknownType.jobId)?.error_message, unknownType.errorMessage);
    assert.equal(stored.get(known.jobId)?.target_type, 'slack');
  });

  it('keeps a letter the table refuses for another reason as a copy that says why, and stores the others', async () => {
    const oddStatus = aDeadLetter({ httpStatus: 999, errorMessage: 'HTTP 999: teapot' });
    const notUuid = aDeadLetter({ jobId: 'not-a-uuid', replayOf: 'nor-this' });
    const good = aDeadLetter();
    await repo().write([oddStatus, notUuid, good]);
    const stored = await entries();
    assert.equal(stored.size, 3);
    const status = stored.get(oddStatus.jobId);
    assert.equal(status?.http_status, null);
    assert.match(status?.error_message ?? '', /^HTTP 999: teapot \[stored as a sanitised copy: /);
    assert.match(status?.error_message ?? '', /"http_status":999/);
    assert.deepEqual(status?.enriched_alert.alert, oddStatus.alert);
    const copy = [...stored.values()].find((e) => e.error_message.includes('not-a-uuid'));
    assert.ok(copy !== undefined, 'the letter with a bad job id is kept');
    assert.match(copy.job_id, /^[0-9a-f-]{36}$/);
    assert.equal(copy.replay_of, null);
    assert.match(copy.error_message, /"replay_of":"nor-this"/);
    assert.deepEqual(copy.enriched_alert.alert, notUuid.alert);
    assert.deepEqual(stored.get(good.jobId)?.enriched_alert.alert, good.alert);
  });

  it('keeps a letter that cannot be written as JSON as text, with a placeholder alert', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50_000; i += 1) deep = { deep };
    const letter = aDeadLetter({ targetConfig: { deep } });
    const good = aDeadLetter();
    await repo().write([letter, good]);
    const stored = await entries();
    const copy = stored.get(letter.jobId);
    assert.equal(copy?.enriched_alert.alert.labels['alertname'], 'UnstorableDeadLetter');
    assert.deepEqual(copy?.target_config, {});
    assert.match(
      copy?.error_message ?? '',
      /\[stored as text: the letter cannot be written as JSON; letter: \{/,
    );
    assert.ok(copy?.error_message.includes(JSON.stringify(letter.alert.labels)));
    assert.ok(stored.has(good.jobId));
  });

  it('stores a sanitised copy once when the same write is retried', async () => {
    const notUuid = aDeadLetter({ jobId: 'not-a-uuid' });
    await repo().write([notUuid]);
    await repo().write([notUuid]);
    assert.equal((await entries()).size, 1);
  });

  it('isolates a refused letter among hundreds written in parallel statements', async () => {
    const letters = Array.from({ length: 600 }, () => aDeadLetter());
    letters[417] = aDeadLetter({ httpStatus: 1000 });
    letters[3] = aDeadLetter({ alert: anAlert({ v: LONE }) });
    await repo().write(letters);
    assert.equal((await repo().stats()).total, 600);
  });

  it('isolates refused letters inside a caller transaction (durable completions) without aborting it', async () => {
    const insert = dlqInsertOn(clock);
    const oddStatus = aDeadLetter({ httpStatus: 999 });
    const bad = Object.values(poisoned());
    const good = aDeadLetter();
    const after = await ctx.db().transaction(async (tx) => {
      await insert(tx, [oddStatus, ...bad, good]);
      // The transaction is still usable: the refused statement rolled back to its savepoint.
      const result = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM publishing_dlq');
      return result.rows[0]?.n;
    });
    assert.equal(after, bad.length + 2);
    assert.equal((await entries()).get(oddStatus.jobId)?.http_status, null);
  });
});
