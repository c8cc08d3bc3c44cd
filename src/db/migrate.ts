import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from '../domain/clock.js';
import type { Db } from './db.js';
import type { RecordedMigration } from './recorded-migrations.js';
import { compareRecorded, readRecordedMigrations } from './recorded-migrations.js';
import { splitSql } from './split-sql.js';

/** migrations/ at the package root, from src/db/ and from dist/db/ alike. */
export const MIGRATIONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'migrations',
);

/** Any constant works; it only has to be the same for every instance sharing the database. */
const MIGRATION_LOCK_KEY = 7_466_756_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await readFile(join(dir, file), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version: Number(file.slice(0, 4)), name: file, sql, checksum });
  }
  return migrations;
}

export interface MigrationRun {
  /** The versions this call applied (empty on a re-run). */
  applied: number[];
  /** Recorded migrations numbered above this release's last file: a newer release ran here. */
  newer: string[];
}

/**
 * Applies pending migrations in order, each in its own transaction together with its row in
 * `alert_publisher_migrations`. The recorded set is read once per run, under the advisory lock;
 * before applying anything a database whose recorded migrations were named otherwise by a
 * different build is refused (recorded-migrations.ts). Each pending file's transaction takes the
 * transaction-scoped advisory lock again and claims its version with an insert that does nothing
 * on conflict, so instances starting at once apply each file once: the one that finds the row
 * already there (recorded since the read) checks that row instead and applies nothing.
 */
export async function migrate(
  db: Db,
  logger: Logger,
  options: { dir?: string } = {},
): Promise<MigrationRun> {
  const migrations = await loadMigrations(options.dir);
  const recorded = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS alert_publisher_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    return readRecordedMigrations(tx);
  });
  const newer = compareRecorded(recorded, migrations);
  const recordedByVersion = new Map(recorded.map((row) => [row.version, row]));
  const applied: number[] = [];
  for (const migration of migrations) {
    const row = recordedByVersion.get(migration.version);
    if (row !== undefined) {
      warnIfEdited(logger, migration, row);
      continue;
    }
    if (await applyOnce(db, logger, migration)) {
      logger.info({ migration: migration.name }, 'migration applied');
      applied.push(migration.version);
    }
  }
  return { applied, newer };
}

/** Applies `migration` unless another instance recorded it since the read; whether it did. */
async function applyOnce(db: Db, logger: Logger, migration: Migration): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const claimed = await tx.query(
      `INSERT INTO alert_publisher_migrations (version, name, checksum) VALUES ($1, $2, $3)
       ON CONFLICT (version) DO NOTHING`,
      [migration.version, migration.name, migration.checksum],
    );
    if (claimed.rowCount === 0) {
      const existing = await tx.query<RecordedMigration>(
        'SELECT version, name, checksum FROM alert_publisher_migrations WHERE version = $1',
        [migration.version],
      );
      // Recorded since the read, possibly by an instance of another build.
      compareRecorded(existing.rows, [migration]);
      for (const row of existing.rows) warnIfEdited(logger, migration, row);
      return false;
    }
    for (const statement of splitSql(migration.sql)) await tx.query(statement);
    return true;
  });
}

function warnIfEdited(logger: Logger, migration: Migration, row: RecordedMigration): void {
  if (row.checksum !== migration.checksum) {
    logger.warn(
      { migration: migration.name },
      'migration file changed after it was applied; migrations must never be edited',
    );
  }
}
