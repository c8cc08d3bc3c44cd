import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { createPgDb } from '../db/pg-db.js';
import { createFakeClock } from '../../test/support/fake-clock.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import { aDeadLetter, aJournal } from '../../test/support/dlq-fixtures.js';
import { proxyToTestDatabase, type TcpProxy } from '../../test/support/tcp-proxy.js';
import { createDlqRepository } from './dlq-repository.js';
import { importJournal } from './import-journal.js';

describe('DLQ while PostgreSQL is unreachable', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let proxy: TcpProxy;
  const opened: Db[] = [];
  const clock = createFakeClock();
  // Short timeouts make a cut connection fail fast; setup on a loaded machine gets more time.
  const connect = (connectTimeoutMs = 5000): Db => {
    const db = createPgDb(proxy.urlFor(scratch.url), {
      logger: silentLogger,
      connectTimeoutMs,
      queryTimeoutMs: 2000,
    });
    opened.push(db);
    return db;
  };

  before(async () => {
    scratch = await createScratchDatabase();
    proxy = await proxyToTestDatabase();
    await migrate(connect(15_000), silentLogger);
  });
  after(async () => {
    for (const db of opened) await db.close();
    await proxy.close();
    await scratch.drop();
  });

  it('the sink throws while the connection is cut and stores the letters once restored', async () => {
    const repo = createDlqRepository({ db: connect(), clock });
    await repo.write([aDeadLetter()]);
    const letters = [aDeadLetter(), aDeadLetter()];
    proxy.cut();
    await assert.rejects(repo.write(letters));
    await assert.rejects(repo.write(letters));
    proxy.restore();
    await repo.write(letters);
    const stats = await repo.stats();
    assert.equal(stats.total, 3);
  });

  it('letters journalled at a stop during the outage are stored at the next start', async () => {
    const journal = aJournal(await mkdtemp(join(tmpdir(), 'outage-')));
    const repo = createDlqRepository({ db: connect(), clock });
    const before = (await repo.stats()).total;
    const letters = [aDeadLetter(), aDeadLetter({ errorReason: 'shutdown' })];
    proxy.cut();
    // What the engine does at stop: the sink fails, so the letters go to the fallback.
    await assert.rejects(repo.write(letters));
    await journal.save(letters);
    // Next start, still down: the import fails and keeps the file.
    const nextRepo = createDlqRepository({ db: connect(), clock });
    await assert.rejects(importJournal(journal, nextRepo, silentLogger));
    proxy.restore();
    assert.equal(await importJournal(journal, nextRepo, silentLogger), 2);
    assert.equal((await nextRepo.stats()).total, before + 2);
    const stored = await nextRepo.list({ filter: { reason: 'shutdown' } });
    assert.equal(stored.entries[0]?.job_id, letters[1]?.jobId);
  });
});
