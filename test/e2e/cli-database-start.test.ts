import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

import { migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
  TEST_DATABASE_URL,
} from '../support/databases.js';
import { BIN, ROOT, run } from '../support/run-bin.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/service-alertmanager.js';

/** What `serve` and `migrate` say about the database they start on, as processes. */
describe('serve and migrate on a database they cannot use', async () => {
  if (!(await isPostgresReachable())) {
    it('runs on PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }
  let config = '';
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-database-'));
    config = join(dir, 'serve.yaml');
    await writeFile(
      config,
      `server: { host: 127.0.0.1, port: 0 }\nstorage: { data_dir: "${join(dir, 'data')}" }\n`,
    );
  });

  /** `serve` and `migrate` on `url`, at once. */
  function startsOn(url: string) {
    return Promise.all([
      run([BIN, 'serve', '--config', config], { DATABASE_URL: url }),
      run([BIN, 'migrate', '--database-url', url]),
    ]);
  }

  it('a database that does not exist: one line naming it, without password or SQL, exit 1', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.password = 's3cret';
    url.pathname = '/ap_test_missing';
    const where = `${url.hostname}:${url.port === '' ? '5432' : url.port}/ap_test_missing`;
    const line = `error: postgres: cannot connect to ${where}: database "ap_test_missing" does not exist`;
    const [serve, migrated] = await startsOn(url.toString());
    const stats = await run([BIN, 'dlq', 'stats', '--database-url', url.toString()]);
    for (const exit of [serve, migrated, stats]) {
      assert.equal(exit.code, 1, exit.stderr);
      assert.equal(exit.stderr.trim(), line);
      assert.doesNotMatch(exit.stdout + exit.stderr, /s3cret|SELECT/);
    }
  });

  it('a server that refuses connections: dlq and migrate print one error line, no log line, exit 1', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await freePort());
    const where = `127.0.0.1:${url.port}${url.pathname}`;
    const line = `error: postgres: cannot connect to ${where}: connect ECONNREFUSED 127.0.0.1:${url.port}`;
    const exits = await Promise.all([
      run([BIN, 'migrate', '--database-url', url.toString()]),
      run([BIN, 'dlq', 'stats', '--database-url', url.toString()]),
    ]);
    for (const exit of exits) {
      assert.equal(exit.code, 1, exit.stderr);
      assert.equal(exit.stderr.trim(), line);
    }
  });

  it('a database of a different build: refused before applying anything, naming both files, exit 1', async () => {
    const scratch = await createScratchDatabase();
    const db = createPgDb(scratch.url, { logger: silentLogger });
    try {
      await migrate(db, silentLogger);
      await db.query('DELETE FROM alert_publisher_migrations WHERE version = 11');
      await db.query(
        "UPDATE alert_publisher_migrations SET name = '0008_publishing_database.sql' WHERE version = 8",
      );
      for (const exit of await startsOn(scratch.url)) {
        assert.equal(exit.code, 1, exit.stderr);
        assert.equal(
          exit.stderr.trim(),
          'error: database records migration 0008 as 0008_publishing_database.sql, this release has 0008_alert_state.sql: the database was created by a different build; restore a backup or migrate it with that build',
        );
      }
      const eleventh = await db.query(
        'SELECT 1 FROM alert_publisher_migrations WHERE version = 11',
      );
      assert.equal(eleventh.rows.length, 0);
    } finally {
      await db.close();
      await scratch.drop();
    }
  });

  it('a database migrated by a newer release: migrate prints and serve logs one warning naming its migrations, and both run', async () => {
    const scratch = await createScratchDatabase();
    const db = createPgDb(scratch.url, { logger: silentLogger });
    try {
      await migrate(db, silentLogger);
      await db.query(
        "INSERT INTO alert_publisher_migrations (version, name, checksum) VALUES (9999, '9999_x.sql', 'x')",
      );
      const migrated = await run([BIN, 'migrate', '--database-url', scratch.url]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.equal(
        migrated.stderr.trim(),
        'warning: database has migrations this release does not know (9999_x.sql): it was migrated by a newer alert-publisher; running anyway — see docs/storage.md "Upgrades"',
      );
      assert.match(migrated.stdout, /database is up to date/);
      const served = spawn(process.execPath, [BIN, 'serve', '--config', config], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: scratch.url },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      served.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise((resolve) => served.once('exit', resolve));
      try {
        await eventually('serve listening', () => stdout.includes('alert-publisher listening'));
      } finally {
        served.kill('SIGTERM');
        await exited;
      }
      const warnings = stdout.split('\n').filter((line) => line.includes('9999_x.sql'));
      assert.equal(warnings.length, 1, stdout);
      assert.match(
        warnings[0] ?? '',
        /"level":40,.*"msg":"database has migrations this release does not know \(9999_x.sql\)/,
      );
    } finally {
      await db.close();
      await scratch.drop();
    }
  });
});
