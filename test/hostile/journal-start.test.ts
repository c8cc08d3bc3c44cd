import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';

import { pino } from 'pino';

import { readDatabaseId } from '../../src/db/database-id.js';
import { anAlert } from '../support/builders.js';
import { isPostgresReachable } from '../support/databases.js';
import { aDeadLetter } from '../support/dlq-fixtures.js';
import { migratedScratchDatabase } from '../engine/durable/support/scratch-database.js';
import { startApp } from '../support/service-app.js';
import { call } from '../support/service-http.js';

/**
 * Issue 14, defects 7 and 1 at start: an instance imported whatever journal it found in
 * storage.data_dir, whichever database had written it, and one letter its database refused
 * made every later start exit 1.
 */
const lines = (letters: unknown[]): string => letters.map((l) => `${JSON.stringify(l)}\n`).join('');

function recordingLogger(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), text: () => chunks.join('') };
}

const poisoned = () => [
  aDeadLetter({ alert: anAlert({ v: 'x\ud800y' }) }),
  aDeadLetter({ errorMessage: 'nul \u0000 here' }),
  aDeadLetter({ httpStatus: 999 }),
  aDeadLetter({ jobId: 'not-a-uuid' }),
];

describe('dead-letter journals at start', () => {
  it("a PGlite instance starts beside another database's journal and an unnamed one, and leaves both", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'journal-start-'));
    const legacy = join(dataDir, 'dlq-journal.jsonl');
    const other = join(dataDir, 'dlq-journal.0b8c62e4-93d2-4c43-9d0f-3a6a4e1f8d11.jsonl');
    await writeFile(legacy, lines(poisoned()));
    await writeFile(
      other,
      lines([
        {
          journal: 'alert-publisher dead letters',
          database_id: '0b8c62e4-93d2-4c43-9d0f-3a6a4e1f8d11',
          database: 'db.example:5432/alerts',
        },
        aDeadLetter(),
      ]),
    );
    const { logger, text } = recordingLogger();
    const app = await startApp({ yaml: '', dataDir, logger });
    try {
      const page = await call(app.url, 'GET', '/api/v2/publishing/dlq');
      assert.equal((page.body as { total: number }).total, 0);
      assert.deepEqual((await readdir(dataDir)).filter((f) => f.startsWith('dlq-')).sort(), [
        'dlq-journal.0b8c62e4-93d2-4c43-9d0f-3a6a4e1f8d11.jsonl',
        'dlq-journal.jsonl',
      ]);
      assert.match(
        text(),
        /"database":"db\.example:5432\/alerts".*"msg":"dead-letter journal of another database left in place"/,
      );
      assert.match(text(), /written before journals named their database: left in place/);
    } finally {
      await app.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('imports its own journal with letters PostgreSQL refuses, and moves an unreadable line aside', async () => {
    if (!(await isPostgresReachable())) return;
    const database = await migratedScratchDatabase(2);
    const dataDir = await mkdtemp(join(tmpdir(), 'journal-start-'));
    try {
      const id = await readDatabaseId(database.db);
      const journal = join(dataDir, `dlq-journal.${id}.jsonl`);
      const header = { journal: 'alert-publisher dead letters', database_id: id, database: 'x' };
      await writeFile(journal, `${lines([header, ...poisoned()])}{"jobId": "torn\n`);
      const { logger, text } = recordingLogger();
      const app = await startApp({ yaml: '', dataDir, logger, databaseUrl: database.url });
      try {
        const page = await call(app.url, 'GET', '/api/v2/publishing/dlq');
        assert.equal((page.body as { total: number }).total, 4);
        assert.equal(await readFile(`${journal}.rejected`, 'utf8'), '{"jobId": "torn\n');
        assert.match(text(), /"reasons":\["line 6: not JSON \(a torn write\?\)"\]/);
        assert.match(text(), /stored as a sanitised copy/);
      } finally {
        await app.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});
