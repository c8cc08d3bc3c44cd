/**
 * DLQ write throughput: dead letters stored through the repository (the engine's sink), in
 * writes of WRITE_BATCH letters, on local PostgreSQL and on PGlite (in memory), against
 * writes of one letter each (what an unbatched sink would do). Goal: >= 20 000 rows/s on PostgreSQL.
 */
import { performance } from 'node:perf_hooks';

import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import { createPgliteDb } from '../../src/db/pglite-db.js';
import { createDlqRepository } from '../../src/dlq/dlq-repository.js';
import {
  MAX_PARALLEL_STATEMENTS,
  MIN_PARALLEL_CHUNK_ROWS,
} from '../../src/dlq/insert-dead-letters.js';
import { createSystemClock } from '../../src/domain/system-clock.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import { formatRate, median, repeat } from '../support/stats.js';

const RUNS = 5;
const ROWS = 20_000;
const WRITE_BATCH = 1000;
/** The engine's dead-letter writer hands the sink at most this many letters per write. */
const ENGINE_BATCH = 500;
const SINGLE_ROWS = 1000;

async function ratePerSecond(db: Db, rows: number, batch: number): Promise<number> {
  const repo = createDlqRepository({ db, clock: createSystemClock() });
  const letters = Array.from({ length: rows }, () => aDeadLetter());
  await db.query('TRUNCATE publishing_dlq');
  const start = performance.now();
  for (let i = 0; i < letters.length; i += batch) await repo.write(letters.slice(i, i + batch));
  return rows / ((performance.now() - start) / 1000);
}

async function measure(label: string, db: Db): Promise<void> {
  await migrate(db, silentLogger);
  await ratePerSecond(db, 2000, WRITE_BATCH); // warm-up
  const batched = median(await repeat(RUNS, () => ratePerSecond(db, ROWS, WRITE_BATCH)));
  const engine = median(await repeat(RUNS, () => ratePerSecond(db, ROWS, ENGINE_BATCH)));
  const single = median(await repeat(RUNS, () => ratePerSecond(db, SINGLE_ROWS, 1)));
  console.log(
    `${label.padEnd(10)} writes of ${WRITE_BATCH} ${formatRate(batched).padStart(9)}   of ${ENGINE_BATCH} ${formatRate(engine).padStart(9)}   of 1 ${formatRate(single).padStart(7)}   ratio ${(batched / single).toFixed(1)}x`,
  );
}

export async function run(): Promise<void> {
  console.log(
    `config: ${ROWS} letters per run in writes of ${WRITE_BATCH} and ${ENGINE_BATCH} (PostgreSQL: split into up to ` +
      `${MAX_PARALLEL_STATEMENTS} concurrent INSERT … jsonb_to_recordset of >= ${MIN_PARALLEL_CHUNK_ROWS} rows), ` +
      `vs ${SINGLE_ROWS} writes of 1; median of ${RUNS} runs; ${'indexes: pk, job_id unique, 8 ascending read indexes (0001, 0005, 0007)'}`,
  );
  if (await isPostgresReachable()) {
    const scratch = await createScratchDatabase();
    const db = createPgDb(scratch.url, { logger: silentLogger });
    try {
      await measure('postgres', db);
    } finally {
      await db.close();
      await scratch.drop();
    }
  }
  const pglite = await createPgliteDb(undefined);
  try {
    await measure('pglite', pglite);
  } finally {
    await pglite.close();
  }
}
