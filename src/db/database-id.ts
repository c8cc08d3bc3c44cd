import type { Db } from './db.js';

/** The id migration 0009 gave this database: the same from every instance and the CLI. */
export async function readDatabaseId(db: Db): Promise<string> {
  const result = await db.query<{ id: string }>('SELECT id FROM publishing_database');
  const id = result.rows[0]?.id;
  if (id === undefined)
    throw new Error('publishing_database holds no row: is migration 0009 applied?');
  return id;
}
