import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDb, type PgDbOptions } from '../../src/db/pg-db.js';
import { createDlqRepository, type DlqRepository } from '../../src/dlq/dlq-repository.js';
import { importJournal } from '../../src/dlq/import-journal.js';
import type { Journal } from '../../src/dlq/journal.js';
import { DEFAULT_ENGINE_CONFIG } from '../support/engine-defaults.js';
import { createScratchDatabase, isPostgresReachable, silentLogger } from '../support/databases.js';
import { createFakeClock } from '../support/fake-clock.js';
import { BAD_REQUEST, SERVER_ERROR } from '../support/scripted-publisher.js';
import { aJournal } from '../support/dlq-fixtures.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';
import { anAuditRequest, anEngineOnDlq, stopEngine, submitted } from './engine-on-dlq.js';

const WRITE_FAILED = 'dead-letter write failed; will retry';

describe('the engine while PostgreSQL is unreachable', async () => {
  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let proxy: TcpProxy;
  let direct: Db;
  const opened: Db[] = [];
  const clock = createFakeClock();
  let seq = 0;
  /** A pool through the proxy (the one the engine's sink uses). */
  const viaProxy = (options: Partial<PgDbOptions> = {}): Db => {
    const db = createPgDb(proxy.urlFor(scratch.url), {
      logger: silentLogger,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 2000,
      ...options,
    });
    opened.push(db);
    return db;
  };
  const storedJobIds = async (): Promise<string[]> =>
    (await direct.query<{ job_id: string }>('SELECT job_id FROM publishing_dlq')).rows
      .map((row) => row.job_id)
      .sort();
  const requests = (n: number) =>
    Array.from({ length: n }, () => anAuditRequest({ seq: String((seq += 1)) }));
  const newJournal = async (): Promise<Journal> =>
    aJournal(await mkdtemp(join(tmpdir(), 'engine-outage-')));

  before(async () => {
    scratch = await createScratchDatabase();
    proxy = await proxyToTestDatabase();
    direct = createPgDb(scratch.url, { logger: silentLogger });
    await migrate(direct, silentLogger);
  });
  afterEach(async () => {
    proxy.restore();
    await direct.query('TRUNCATE publishing_dlq');
  });
  after(async () => {
    for (const db of opened) await db.close();
    await direct.close();
    await proxy.close();
    await scratch.drop();
  });

  it('keeps dead letters failed while the connection is cut and stores every one once restored', async () => {
    const h = anEngineOnDlq({ clock, repo: createDlqRepository({ db: viaProxy(), clock }) });
    proxy.cut();
    h.publisher.script(BAD_REQUEST, BAD_REQUEST, BAD_REQUEST);
    const firstFailure = h.nextLog(WRITE_FAILED);
    const ids = await submitted(h.engine, requests(3));
    await firstFailure;
    const states = await Promise.all(ids.map(async (id) => (await h.engine.getJob(id))?.state));
    assert.deepEqual(states, ['failed', 'failed', 'failed']);
    assert.equal(h.engine.status().lanes.medium.failed, 3);
    const secondFailure = h.nextLog(WRITE_FAILED);
    await clock.advance(DEFAULT_ENGINE_CONFIG.deadLetterRetry.baseMs);
    await secondFailure;
    assert.deepEqual(await storedJobIds(), []);

    proxy.restore();
    await clock.advance(2 * DEFAULT_ENGINE_CONFIG.deadLetterRetry.baseMs);
    const finished = await Promise.all(ids.map((id) => h.finished(id)));
    assert.deepEqual(
      finished.map((job) => job.state),
      ['dlq', 'dlq', 'dlq'],
    );
    assert.deepEqual(await storedJobIds(), [...ids].sort());
    assert.equal(h.engine.status().lanes.medium.size, 0);
    await stopEngine(h.engine, clock);
  });

  it('a stop during the outage hands the dead letters to the journal and the next start stores them', async () => {
    const journal = await newJournal();
    const h = anEngineOnDlq({
      clock,
      repo: createDlqRepository({ db: viaProxy(), clock }),
      fallback: journal,
    });
    proxy.cut();
    h.publisher.script(BAD_REQUEST, BAD_REQUEST, SERVER_ERROR);
    const failure = h.nextLog(WRITE_FAILED);
    const ids = await submitted(h.engine, requests(3));
    await failure; // two letters are failed; the third job waits for its retry
    assert.equal((await h.engine.getJob(ids[2] ?? ''))?.state, 'retrying');

    await stopEngine(h.engine, clock, 0);
    const jobs = await Promise.all(ids.map((id) => h.finished(id)));
    assert.deepEqual(
      jobs.map((job) => [job.state, job.lastError?.reason]),
      [
        ['dlq', 'client_error'],
        ['dlq', 'client_error'],
        ['dlq', 'shutdown'],
      ],
    );
    assert.deepEqual(await storedJobIds(), []);
    // The journal's first line names its database; one line per letter follows.
    assert.equal((await readFile(journal.path, 'utf8')).trim().split('\n').length, 1 + 3);

    // Next start: still down, the import fails and keeps the file; once up, it stores all.
    const next = createDlqRepository({ db: viaProxy(), clock });
    await assert.rejects(importJournal(journal, next, silentLogger));
    proxy.restore();
    assert.equal(await importJournal(journal, next, silentLogger), 3);
    assert.deepEqual(await storedJobIds(), [...ids].sort());
    const reasons = await direct.query<{ error_reason: string }>(
      'SELECT error_reason FROM publishing_dlq WHERE job_id = $1',
      [ids[2]],
    );
    assert.equal(reasons.rows[0]?.error_reason, 'shutdown');
  });

  it('with a server that stops answering, stop() returns within its flush bound and journals the letters', async () => {
    const journal = await newJournal();
    // Adapter timeouts far beyond the flush bound: only the engine's bound can end the stop.
    const db = viaProxy({ connectTimeoutMs: 600_000, queryTimeoutMs: 600_000 });
    const repo: DlqRepository = createDlqRepository({ db, clock });
    await repo.count(); // one pooled connection, which will hang mid-query
    let handedOverAt: number | undefined;
    const fallback = {
      save(letters: Parameters<Journal['save']>[0]) {
        handedOverAt ??= clock.now();
        return journal.save(letters);
      },
    };
    const h = anEngineOnDlq({ clock, repo, fallback });
    proxy.hang();
    h.publisher.script(BAD_REQUEST, BAD_REQUEST);
    const ids = await submitted(h.engine, requests(2));
    await clock.settle();
    assert.equal((await h.engine.getJob(ids[0] ?? ''))?.state, 'failed');

    const stopStartedAt = clock.now();
    await stopEngine(h.engine, clock, 0);
    // stopEngine moves virtual time in steps of 100 ms.
    assert.ok(handedOverAt !== undefined);
    assert.ok(handedOverAt - stopStartedAt <= DEFAULT_ENGINE_CONFIG.stopFlushMs + 100);
    const lines = (await readFile(journal.path, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1 + 2);

    proxy.restore(); // the hung statement fails now; the import stores each letter once
    assert.equal(await importJournal(journal, createDlqRepository({ db, clock }), silentLogger), 2);
    assert.deepEqual(await storedJobIds(), [...ids].sort());
  });

  it('the pg adapter bounds a statement on a connection that stops answering', async () => {
    const db = viaProxy({ queryTimeoutMs: 300 });
    await db.query('SELECT 1');
    proxy.hang();
    await assert.rejects(db.query('SELECT 1'), /query failed/);
  });

  it('the pg adapter bounds a connect to a server that accepts but never answers', async () => {
    proxy.hang();
    const db = viaProxy({ connectTimeoutMs: 300 });
    await assert.rejects(db.query('SELECT 1'), /postgres: cannot connect to .*connection timeout/);
  });
});
