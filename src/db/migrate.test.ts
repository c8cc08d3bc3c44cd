import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { JOB_STATES, PRIORITIES } from '../domain/job.js';
import { TARGET_TYPES } from '../domain/target.js';
import { REPLAY_RESULTS } from '../dlq/dlq-entry.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import type { Db } from './db.js';
import { loadMigrations, migrate } from './migrate.js';
import { createPgDb } from './pg-db.js';
import { createPgliteDb } from './pglite-db.js';

async function appliedVersions(db: Db): Promise<number[]> {
  const result = await db.query<{ version: number }>(
    'SELECT version FROM alert_publisher_migrations ORDER BY version',
  );
  return result.rows.map((row) => row.version);
}

async function checkValues(db: Db, constraint: string): Promise<string[]> {
  const result = await db.query<{ def: string }>(
    'SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = $1',
    [constraint],
  );
  const def = result.rows[0]?.def ?? '';
  return [...def.matchAll(/'([^']+)'::text/g)].map((match) => match[1] ?? '');
}

/** `db` whose statements reading the migrations table are counted in `reads.count`. */
function countingReads(db: Db, reads: { count: number }): Db {
  const counted = (inner: Db): Db => ({
    kind: inner.kind,
    close: () => inner.close(),
    query(text, params, options) {
      if (/\bSELECT\b[\s\S]*\bFROM alert_publisher_migrations\b/.test(text)) reads.count += 1;
      return inner.query(text, params, options);
    },
    transaction: (fn) => inner.transaction((tx) => fn(counted(tx))),
  });
  return counted(db);
}

describe('migrations', () => {
  it('finds the numbered files in order', async () => {
    const migrations = await loadMigrations();
    assert.equal(migrations[0]?.name, '0001_publishing_dlq.sql');
    const versions = migrations.map((m) => m.version);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
    );
  });

  it('applies in order from empty, records each version, and a re-run is a no-op', async () => {
    const db = await createPgliteDb(undefined);
    try {
      const all = (await loadMigrations()).map((m) => m.version);
      assert.deepEqual((await migrate(db, silentLogger)).applied, all);
      assert.deepEqual(await appliedVersions(db), all);
      assert.deepEqual((await migrate(db, silentLogger)).applied, []);
      assert.deepEqual(await appliedVersions(db), all);
    } finally {
      await db.close();
    }
  });

  it('reads the recorded migrations once per run, from empty and on a re-run', async () => {
    const db = await createPgliteDb(undefined);
    try {
      const reads = { count: 0 };
      const counted = countingReads(db, reads);
      const all = (await loadMigrations()).map((m) => m.version);
      assert.deepEqual((await migrate(counted, silentLogger)).applied, all);
      assert.equal(reads.count, 1);
      reads.count = 0;
      assert.deepEqual((await migrate(counted, silentLogger)).applied, []);
      assert.equal(reads.count, 1);
    } finally {
      await db.close();
    }
  });

  it('warns about a migration file edited after it was applied and does not apply it again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (x int);');
    const db = await createPgliteDb(undefined);
    try {
      await migrate(db, silentLogger, { dir });
      await writeFile(join(dir, '0001_a.sql'), 'CREATE TABLE a (x int, y int);');
      const warnings: string[] = [];
      const logger = {
        ...silentLogger,
        warn: (_: object, message?: string) => warnings.push(message ?? ''),
      };
      assert.deepEqual((await migrate(db, logger, { dir })).applied, []);
      assert.deepEqual(warnings, [
        'migration file changed after it was applied; migrations must never be edited',
      ]);
    } finally {
      await db.close();
    }
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await writeFile(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x int);');
    await writeFile(join(dir, '0002_bad.sql'), 'CREATE TABLE b (x int);\nSELECT * FROM missing;');
    const db = await createPgliteDb(undefined);
    try {
      await assert.rejects(migrate(db, silentLogger, { dir }));
      assert.deepEqual(await appliedVersions(db), [1]);
      const tables = await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'b'");
      assert.equal(tables.rows.length, 0);
    } finally {
      await db.close();
    }
  });

  it('two migrators started at once on PGlite apply each file once', async () => {
    const db = await createPgliteDb(undefined);
    try {
      const [a, b] = await Promise.all([migrate(db, silentLogger), migrate(db, silentLogger)]);
      assert.equal(
        [...(a?.applied ?? []), ...(b?.applied ?? [])].length,
        (await loadMigrations()).length,
      );
    } finally {
      await db.close();
    }
  });

  it('two instances migrating one PostgreSQL database at once both succeed', async (t) => {
    if (!(await isPostgresReachable())) return t.skip('PostgreSQL unreachable');
    const scratch = await createScratchDatabase();
    const first = createPgDb(scratch.url, { logger: silentLogger });
    const second = createPgDb(scratch.url, { logger: silentLogger });
    try {
      const [a, b] = await Promise.all([
        migrate(first, silentLogger),
        migrate(second, silentLogger),
      ]);
      const all = (await loadMigrations()).map((m) => m.version);
      assert.deepEqual(
        [...a.applied, ...b.applied].sort((x, y) => x - y),
        all,
      );
      assert.deepEqual(await appliedVersions(first), all);
    } finally {
      await first.close();
      await second.close();
      await scratch.drop();
    }
  });

  it('CHECK constraints list exactly the closed vocabularies of the code', async () => {
    const db = await createPgliteDb(undefined);
    try {
      await migrate(db, silentLogger);
      const expected: Record<string, readonly string[]> = {
        publishing_dlq_error_type_check: ERROR_TYPES,
        publishing_dlq_error_reason_check: FAILURE_REASONS,
        publishing_dlq_priority_check: PRIORITIES,
        publishing_dlq_target_type_check: TARGET_TYPES,
        publishing_dlq_replay_result_check: REPLAY_RESULTS,
        publishing_jobs_state_check: JOB_STATES,
        publishing_jobs_error_reason_check: FAILURE_REASONS,
      };
      for (const [constraint, values] of Object.entries(expected)) {
        assert.deepEqual(await checkValues(db, constraint), [...values], constraint);
      }
    } finally {
      await db.close();
    }
  });
});
