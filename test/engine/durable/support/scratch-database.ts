import type { Db } from '../../../../src/db/db.js';
import { migrate } from '../../../../src/db/migrate.js';
import { createPgDb } from '../../../../src/db/pg-db.js';
import { createScratchDatabase, silentLogger } from '../../../support/databases.js';

export interface ScratchDatabase {
  url: string;
  /** A pool on it, closed by drop(). */
  db: Db;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database with every migration applied, and a pool of `max` on it. */
export async function migratedScratchDatabase(max = 4): Promise<ScratchDatabase> {
  const scratch = await createScratchDatabase();
  const db = pgDb(scratch.url, max);
  await migrate(db, silentLogger);
  return {
    url: scratch.url,
    db,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}

export function pgDb(url: string, max: number): Db {
  return createPgDb(url, { logger: silentLogger, max });
}
