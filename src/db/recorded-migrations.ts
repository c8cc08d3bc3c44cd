import type { Db } from './db.js';

/** A row of `alert_publisher_migrations`: what some build applied to this database. */
export interface RecordedMigration {
  version: number;
  name: string;
  checksum: string;
}

export async function readRecordedMigrations(db: Db): Promise<RecordedMigration[]> {
  const result = await db.query<RecordedMigration>(
    'SELECT version, name, checksum FROM alert_publisher_migrations ORDER BY version',
  );
  return result.rows;
}

/**
 * Throws when the database records a migration under another name than this release's file
 * of the same number: it was created by a different build (a branch), and applying the files
 * after it would fail half-way on objects that build made (`relation … already exists`).
 * Returns the names of the recorded migrations numbered above this release's last one: the
 * database was migrated by a newer release. Running on it is allowed, as rolling upgrades and
 * rollbacks need (docs/storage.md, Upgrades); the caller warns.
 */
export function compareRecorded(
  recorded: readonly RecordedMigration[],
  known: readonly RecordedMigration[],
): string[] {
  const nameOf = new Map(known.map((migration) => [migration.version, migration.name]));
  const conflicts = recorded.flatMap((row) => {
    const name = nameOf.get(row.version);
    return name === undefined || name === row.name ? [] : [{ row, name }];
  });
  if (conflicts.length > 0) {
    const pairs = conflicts.map(
      ({ row, name }) =>
        `migration ${padded(row.version)} as ${row.name}, this release has ${name}`,
    );
    throw new Error(
      `database records ${pairs.join('; ')}: the database was created by a different build; restore a backup or migrate it with that build`,
    );
  }
  const last = Math.max(0, ...known.map((migration) => migration.version));
  return recorded.filter((row) => row.version > last).map((row) => row.name);
}

/** The one warning of a start on a database migrated by a newer release. */
export function newerDatabaseWarning(newer: readonly string[]): string {
  return `database has migrations this release does not know (${newer.join(', ')}): it was migrated by a newer alert-publisher; running anyway — see docs/storage.md "Upgrades"`;
}

function padded(version: number): string {
  return String(version).padStart(4, '0');
}
