/**
 * What migrations/0005's indexes buy: over the 1 000 000 rows of dlq-read, p50/p99 of the
 * page (limit 100) and of the capped `total` for the filters they target, with 0001's indexes
 * only and then with 0005's, and the plan of each (EXPLAIN ANALYZE). Their write cost is in
 * dlq-write (they are part of every migrated database).
 */
import { performance } from 'node:perf_hooks';

import type { Db } from '../../src/db/db.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import { splitSql } from '../../src/db/split-sql.js';
import type { DlqFilter } from '../../src/dlq/dlq-entry.js';
import { buildListQueries } from '../../src/dlq/list-dlq-entries.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import { latencies, NEWEST, planSummary, ROWS, seed } from './dlq-read.js';

const QUERIES_PER_RUN = 20;
const CASES: Array<{ name: string; filter: DlqFilter }> = [
  { name: 'replayed=true', filter: { replayed: true } },
  { name: 'target+reason', filter: { target: 'target-7', reason: 'timeout' } },
  {
    name: 'target+reason+1d',
    filter: { target: 'target-7', reason: 'timeout', failed_after: NEWEST - 86_400_000 },
  },
  { name: 'target (control)', filter: { target: 'target-7' } },
];

async function measure(db: Db, label: string): Promise<void> {
  console.log(`\n${label}`);
  console.log(
    `${'read'.padEnd(18)} ${'page p50'.padStart(9)} ${'p99'.padStart(7)} ${'total p50'.padStart(10)} ${'p99'.padStart(7)}  plans: page | total`,
  );
  for (const c of CASES) {
    const { page, count } = buildListQueries(c.filter, undefined, 100, 0);
    const pageTimes = await latencies(db, page, QUERIES_PER_RUN);
    const countTimes = await latencies(db, count, QUERIES_PER_RUN);
    console.log(
      `${c.name.padEnd(18)} ${pageTimes.p50.toFixed(2).padStart(9)} ${pageTimes.p99.toFixed(2).padStart(7)} ${countTimes.p50.toFixed(2).padStart(10)} ${countTimes.p99.toFixed(2).padStart(7)}  ${await planSummary(db, page)} | ${await planSummary(db, count)}`,
    );
  }
}

export async function run(): Promise<void> {
  if (!(await isPostgresReachable())) {
    console.log('PostgreSQL unreachable: dlq-read-indexes needs a server');
    return;
  }
  console.log(
    `config: ${ROWS.toLocaleString('en-US')} rows (10% replayed, 20 targets, 11 reasons), limit 100, ${QUERIES_PER_RUN} queries per run, median of 5 runs (ms)`,
  );
  const scratch = await createScratchDatabase();
  const db = createPgDb(scratch.url, { logger: silentLogger, queryTimeoutMs: 600_000 });
  try {
    await migrate(db, silentLogger);
    const migration = (await loadMigrations()).find((m) => m.version === 5);
    if (migration === undefined) throw new Error('migration 0005 not found');
    await db.query('DROP INDEX publishing_dlq_replayed_idx, publishing_dlq_target_reason_idx');
    await seed(db);
    await measure(db, 'with 0001 indexes only');
    const start = performance.now();
    for (const statement of splitSql(migration.sql)) await db.query(statement);
    await db.query('ANALYZE publishing_dlq');
    console.log(
      `\n0005 built over ${ROWS.toLocaleString('en-US')} rows in ${((performance.now() - start) / 1000).toFixed(1)} s (writes to the table wait meanwhile)`,
    );
    const sizes = await db.query<{ name: string; size: string }>(
      `SELECT indexname AS name, pg_size_pretty(pg_relation_size(indexname::regclass)) AS size
       FROM pg_indexes WHERE indexname IN ('publishing_dlq_replayed_idx', 'publishing_dlq_target_reason_idx')`,
    );
    console.log(sizes.rows.map((r) => `${r.name} ${r.size}`).join(', '));
    await measure(db, 'with 0005');
  } finally {
    await db.close();
    await scratch.drop();
  }
}
