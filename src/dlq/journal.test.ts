import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';

import type { DeadLetter, DeadLetterSink } from '../domain/dead-letter.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import { forEachDatabase, silentLogger } from '../../test/support/databases.js';
import { anAlert } from '../../test/support/builders.js';
import { aDeadLetter, aJournal } from '../../test/support/dlq-fixtures.js';
import type { Logger } from '../domain/clock.js';
import { createDlqRepository } from './dlq-repository.js';
import { importJournal } from './import-journal.js';
import { createJournal, LEGACY_JOURNAL_FILE } from './journal.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

it('save appends letters that read back as the same dead letters', async () => {
  const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
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
  const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  await journal.save([aDeadLetter()]);
  const failing: DeadLetterSink = { write: () => Promise.reject(new Error('database down')) };
  await assert.rejects(importJournal(journal, failing, silentLogger));
  await journal.save([aDeadLetter()]);
  const received: DeadLetter[] = [];
  const sink: DeadLetterSink = { write: (batch) => Promise.resolve(void received.push(...batch)) };
  assert.equal(await importJournal(journal, sink, silentLogger), 2);
});

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { lines: Array<{ msg: string; obj: object }> } {
  const lines: Array<{ msg: string; obj: object }> = [];
  const log = (obj: object, msg?: string): void => void lines.push({ msg: msg ?? '', obj });
  return { lines, debug: log, info: log, warn: log, error: log };
}

const collecting = (): DeadLetterSink & { received: DeadLetter[] } => {
  const received: DeadLetter[] = [];
  return { received, write: (batch) => Promise.resolve(void received.push(...batch)) };
};

it('moves lines that cannot be read aside with their reasons, and imports the rest', async () => {
  const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  await journal.save([aDeadLetter()]);
  await appendFile(journal.path, '{"jobId": "torn\n{"jobId": "x", "alert": {}}\n');
  const sink = collecting();
  const logger = recordingLogger();
  assert.equal(await importJournal(journal, sink, logger), 1);
  assert.equal(
    await readFile(journal.rejectedPath, 'utf8'),
    '{"jobId": "torn\n{"jobId": "x", "alert": {}}\n',
  );
  const report = logger.lines.find((line) => line.msg.includes('cannot be imported'));
  assert.deepEqual(Reflect.get(report?.obj ?? {}, 'reasons'), [
    'line 3: not JSON (a torn write?)',
    'line 4: alert.status: Invalid option: expected one of "firing"|"resolved"',
  ]);
});

it('names its database on its first line and keeps no secret in clear on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  const journal = createJournal(dir, {
    databaseId: '00000000-0000-4000-8000-00000000000a',
    databaseName: 'db.example:5432/alerts',
    mask: (text) => text.replaceAll('S3CR3T-AAA', '[REDACTED]'),
  });
  await journal.save([aDeadLetter({ errorMessage: 'HTTP 401: rejected token S3CR3T-AAA' })]);
  const [header = '', line = ''] = (await readFile(journal.path, 'utf8')).split('\n');
  assert.equal(journal.path, join(dir, 'dlq-journal.00000000-0000-4000-8000-00000000000a.jsonl'));
  assert.deepEqual(JSON.parse(header), {
    journal: 'alert-publisher dead letters',
    database_id: '00000000-0000-4000-8000-00000000000a',
    database: 'db.example:5432/alerts',
  });
  assert.doesNotMatch(line, /S3CR3T/);
  assert.match(line, /rejected token \[REDACTED\]/);
});

it("leaves another database's journal in place and logs it (issue 14, defect 7)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  const theirs = aJournal(dir);
  const ours = aJournal(dir);
  await theirs.save([aDeadLetter()]);
  const sink = collecting();
  const logger = recordingLogger();
  assert.equal(await importJournal(ours, sink, logger), 0);
  assert.deepEqual(sink.received, []);
  assert.equal(await exists(theirs.path), true);
  const warning = logger.lines.find((l) => l.msg.includes('another database left in place'));
  assert.equal(Reflect.get(warning?.obj ?? {}, 'file'), theirs.path);
  assert.equal(Reflect.get(warning?.obj ?? {}, 'database'), 'test-db');
  // Its own database imports it.
  assert.equal(await importJournal(theirs, sink, silentLogger), 1);
});

it('leaves a journal written before journals named their database, saying how to import it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  const legacy = join(dir, LEGACY_JOURNAL_FILE);
  const letter = aDeadLetter({ errorMessage: 'HTTP 401: rejected token S3CR3T-AAA' });
  await writeFile(legacy, `${JSON.stringify(letter)}\n`);
  const journal = aJournal(dir, ['Bearer S3CR3T-AAA']);
  const sink = collecting();
  const logger = recordingLogger();
  assert.equal(await importJournal(journal, sink, logger), 0);
  assert.equal(await exists(legacy), true);
  const warning = logger.lines.find((l) => l.msg.includes('before journals named their database'));
  assert.equal(
    Reflect.get(warning?.obj ?? {}, 'to_import_here'),
    `cat ${legacy} >> ${journal.path} && rm ${legacy}`,
  );
  // Done as told: imported, and the secret it held in clear is masked on the way in.
  await appendFile(journal.path, await readFile(legacy, 'utf8'));
  assert.equal(await importJournal(journal, sink, silentLogger), 1);
  assert.equal(sink.received[0]?.errorMessage, 'HTTP 401: rejected token [REDACTED]');
});

it('keeps __proto__ and constructor labels of a journalled alert', async () => {
  const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
  const labels: Record<string, string> = Object.fromEntries([
    ['alertname', 'x'],
    ['__proto__', 'p'],
    ['constructor', 'c'],
  ]);
  await journal.save([aDeadLetter({ alert: { ...anAlert(), labels } })]);
  const sink = collecting();
  await importJournal(journal, sink, silentLogger);
  assert.equal(
    JSON.stringify(sink.received[0]?.alert.labels),
    '{"alertname":"x","__proto__":"p","constructor":"c"}',
  );
});

forEachDatabase('journal import', (ctx) => {
  it('an import interrupted after storing stores nothing twice when run again', async () => {
    const repo = createDlqRepository({ db: ctx.db(), clock: createFakeClock() });
    const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
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

  it('imports a journal holding letters PostgreSQL would refuse, every one of them (defect 1)', async () => {
    const repo = createDlqRepository({ db: ctx.db(), clock: createFakeClock() });
    const journal = aJournal(await mkdtemp(join(tmpdir(), 'journal-')));
    const letters = [
      aDeadLetter({ alert: anAlert({ v: 'x\ud800y' }) }),
      aDeadLetter({ errorMessage: 'nul \u0000 here' }),
      aDeadLetter({ httpStatus: 999 }),
      aDeadLetter({ jobId: 'not-a-uuid' }),
      aDeadLetter(),
    ];
    await journal.save(letters);
    const before = (await repo.stats()).total;
    assert.equal(await importJournal(journal, repo, silentLogger), 5);
    assert.equal((await repo.stats()).total, before + 5);
    assert.equal(await exists(journal.importingPath), false);
  });
});
