import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';

import type { DeadLetter, DeadLetterSink } from '../domain/dead-letter.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import { createDlqRepository } from './dlq-repository.js';
import { createJournal, importJournal } from './journal.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

it('save appends letters that read back as the same dead letters', async () => {
  const journal = createJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  const letters = [
    aDeadLetter({ replayOf: '00000000-0000-4000-8000-000000000001' }),
    aDeadLetter(),
  ];
  await Promise.all([journal.save(letters.slice(0, 1)), journal.save(letters.slice(1))]);
  const received: DeadLetter[] = [];
  const sink: DeadLetterSink = { write: (batch) => Promise.resolve(void received.push(...batch)) };
  assert.equal(await importJournal(journal, sink, silentLogger), 2);
  assert.deepEqual(received, letters);
  assert.equal(await exists(journal.path), false);
  assert.equal(await importJournal(journal, sink, silentLogger), 0);
});

it('keeps the journal when the sink fails and imports it at the next try', async () => {
  const journal = createJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  await journal.save([aDeadLetter()]);
  const failing: DeadLetterSink = { write: () => Promise.reject(new Error('database down')) };
  await assert.rejects(importJournal(journal, failing, silentLogger));
  await journal.save([aDeadLetter()]);
  const received: DeadLetter[] = [];
  const sink: DeadLetterSink = { write: (batch) => Promise.resolve(void received.push(...batch)) };
  assert.equal(await importJournal(journal, sink, silentLogger), 2);
});

it('sets a torn line aside instead of dropping the file', async () => {
  const journal = createJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  await journal.save([aDeadLetter()]);
  await appendFile(journal.path, '{"jobId": "torn');
  const received: DeadLetter[] = [];
  const sink: DeadLetterSink = { write: (batch) => Promise.resolve(void received.push(...batch)) };
  assert.equal(await importJournal(journal, sink, silentLogger), 1);
  assert.equal(await readFile(journal.rejectedPath, 'utf8'), '{"jobId": "torn\n');
});

forEachDatabase('journal import', (ctx) => {
  it('an import interrupted after storing stores nothing twice when run again', async () => {
    const repo = createDlqRepository({ db: ctx.db(), clock: createFakeClock() });
    const journal = createJournal(await mkdtemp(join(tmpdir(), 'journal-')));
    const letters = [aDeadLetter(), aDeadLetter(), aDeadLetter()];
    await journal.save(letters);
    // A crash after the rows committed but before the file was removed:
    await repo.write(letters.slice(0, 2));
    await rename(journal.path, journal.importingPath);
    await journal.save([aDeadLetter()]);
    assert.equal(await importJournal(journal, repo, silentLogger), 4);
    assert.equal((await repo.stats()).total, 4);
    assert.equal(await exists(journal.importingPath), false);
    assert.equal(await exists(journal.path), false);
  });
});
