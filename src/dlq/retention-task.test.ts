import assert from 'node:assert/strict';
import { it } from 'node:test';

import { eventually } from '../../test/support/eventually.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import { createDlqRepository } from './dlq-repository.js';
import { createRetentionTask } from './retention-task.js';

const HOUR = 3_600_000;

forEachDatabase('DLQ retention', (ctx) => {
  it('purges what is older than the retention at start and then every interval of the clock', async () => {
    const clock = createFakeClock();
    const repo = createDlqRepository({ db: ctx.db(), clock });
    const start = clock.now();
    await repo.write([
      aDeadLetter({ failedAt: start - 721 * HOUR }),
      aDeadLetter({ failedAt: start - 719.5 * HOUR }),
      aDeadLetter({ failedAt: start }),
    ]);
    const purged: number[] = [];
    const task = createRetentionTask({
      clock,
      repo,
      logger: silentLogger,
      metrics: { purged: (count) => purged.push(count) },
    });
    task.start();
    await eventually('first purge', () => purged.length === 1);
    assert.equal((await repo.stats()).total, 2);

    await clock.advance(HOUR - 1);
    assert.equal(purged.length, 1);
    await clock.advance(1);
    await eventually('second purge', () => purged.length === 2);
    assert.deepEqual(purged, [1, 1]);
    assert.equal((await repo.stats()).total, 1);

    await task.stop();
    assert.equal(clock.pending(), 0);
  });

  it('keeps running after a failed purge', async () => {
    const clock = createFakeClock();
    let calls = 0;
    const task = createRetentionTask({
      clock,
      repo: {
        purge: () => {
          calls += 1;
          return calls === 1 ? Promise.reject(new Error('database down')) : Promise.resolve(0);
        },
        releaseStaleClaims: () => Promise.resolve(0),
      },
      logger: silentLogger,
      intervalMs: 1000,
    });
    task.start();
    await clock.advance(1000);
    await clock.advance(1000);
    assert.equal(calls, 3);
    await task.stop();
  });
});
