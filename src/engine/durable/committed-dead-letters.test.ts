import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import { aDeadLetter } from '../../../test/support/dlq-fixtures.js';
import { createFakeClock } from '../../../test/support/fake-clock.js';
import { countCommittedDeadLetters } from './committed-dead-letters.js';
import { dlqInsertOn } from './insert-dead-letters.js';

forEachDatabase('durable engine: dead letters counted once committed', (ctx) => {
  let reported: number[];
  let counted: ReturnType<typeof countCommittedDeadLetters>;

  beforeEach(async () => {
    await ctx.db().query('TRUNCATE publishing_dlq');
    reported = [];
    counted = countCommittedDeadLetters(ctx.db(), dlqInsertOn(createFakeClock()), (count) =>
      reported.push(count),
    );
  });

  it('reports the letters a transaction inserted after it commits, skipping stored ones', async () => {
    const stored = aDeadLetter();
    await counted.db.transaction(async (tx) => {
      await counted.insert(tx, [stored]);
      assert.deepEqual(reported, [], 'nothing before the commit');
    });
    await counted.db.transaction(async (tx) => {
      await counted.insert(tx, [aDeadLetter(), stored]);
      await counted.insert(tx, [aDeadLetter(), aDeadLetter()]);
    });
    assert.deepEqual(reported, [1, 3]);
  });

  it('reports nothing for a transaction rolled back, or one without letters', async () => {
    await assert.rejects(
      counted.db.transaction(async (tx) => {
        await counted.insert(tx, [aDeadLetter(), aDeadLetter()]);
        throw new Error('lease lost');
      }),
      /lease lost/,
    );
    await counted.db.transaction((tx) => tx.query('SELECT 1'));
    assert.deepEqual(reported, []);
    const rows = await ctx
      .db()
      .query<{ n: number }>('SELECT count(*)::int AS n FROM publishing_dlq');
    assert.equal(rows.rows[0]?.n, 0);
  });
});
