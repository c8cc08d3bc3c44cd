/**
 * DLQ read latency over 1 000 000 rows on local PostgreSQL: p50/p99 of newest-first pages
 * (limit 100) for each filter and for a deep page through the cursor; the capped `total`
 * count timed apart; the plan of each read (EXPLAIN ANALYZE) summarised as the index it uses.
 * Goal: page p99 <= 10 ms.
 */
import { performance } from 'node:perf_hooks';

import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import type { DlqFilter } from '../../src/dlq/dlq-entry.js';
import { encodeCursor } from '../../src/dlq/dlq-filter.js';
import { buildListQueries, type SqlQuery } from '../../src/dlq/list-dlq-entries.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import { median, percentile, repeat } from '../support/stats.js';

export const ROWS = 1_000_000;
const RUNS = 5;
const QUERIES_PER_RUN = 100;
const LIMIT = 100;
export const NEWEST = Date.parse('2026-11-29T00:00:00Z');
const MS_PER_ROW = 2600; // 1M rows over ~30 days

const SEED_CHUNK = 100_000;

/**
 * 20 targets, 3 priorities, 11 reasons, 50 000 fingerprints, 10% replayed, ~0.6 KiB alert.
 * The migration's secondary indexes are dropped for the load and rebuilt after (a bulk build
 * is several times faster than 1M row-by-row index inserts).
 */
export async function seed(db: Db): Promise<void> {
  const indexes = await db.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE tablename = 'publishing_dlq' AND indexname <> 'publishing_dlq_pkey'`,
  );
  for (const index of indexes.rows) await db.query(`DROP INDEX ${index.name}`);
  for (let from = 1; from <= ROWS; from += SEED_CHUNK) {
    await insertRows(db, from, Math.min(ROWS, from + SEED_CHUNK - 1));
  }
  for (const index of indexes.rows) await db.query(index.def);
  await db.query('VACUUM ANALYZE publishing_dlq');
}

async function insertRows(db: Db, from: number, to: number): Promise<void> {
  await db.query(
    `INSERT INTO publishing_dlq (job_id, fingerprint, target_name, target_type, enriched_alert,
       target_config, error_message, error_type, error_reason, http_status, retry_count,
       priority, failed_at, replayed, replayed_at, replay_result)
     SELECT gen_random_uuid(), lpad(to_hex(g % 50000), 16, '0'), 'target-' || (g % 20), 'webhook',
       jsonb_build_object('alert', jsonb_build_object('status', 'firing',
         'labels', jsonb_build_object('alertname', 'HighLatency', 'instance', 'api-' || g % 97),
         'annotations', jsonb_build_object('summary', repeat('p99 latency above 2s ', 20)))),
       '{"url": "https://audit.example.com/alerts"}', 'HTTP 503 from target',
       (ARRAY['transient','permanent','unknown'])[1 + g % 3],
       (ARRAY['rate_limited','server_error','timeout','network','circuit_open','overflow',
              'shutdown','auth_error','client_error','invalid_payload','internal'])[1 + g % 11],
       503, 3, (ARRAY['high','medium','low'])[1 + g % 3],
       to_timestamp(($2::bigint - g::bigint * ${MS_PER_ROW}) / 1000.0),
       g % 10 = 0, CASE WHEN g % 10 = 0 THEN now() END, CASE WHEN g % 10 = 0 THEN 'succeeded' END
     FROM generate_series($1::int, $3::int) AS g`,
    [from, NEWEST, to],
  );
}

interface Case {
  name: string;
  filter: DlqFilter;
  before?: string;
  offset?: number;
}

async function deepCursor(db: Db): Promise<string> {
  const row = await db.query<{ failed_at: Date; id: string }>(
    'SELECT failed_at, id FROM publishing_dlq ORDER BY failed_at DESC, id DESC OFFSET 900000 LIMIT 1',
  );
  const first = row.rows[0];
  if (first === undefined) throw new Error('not enough rows');
  return encodeCursor({ failedAt: first.failed_at.toISOString(), id: first.id });
}

export async function latencies(
  db: Db,
  query: SqlQuery,
  queriesPerRun = QUERIES_PER_RUN,
): Promise<{ p50: number; p99: number }> {
  const runs = await repeat(RUNS, async () => {
    const times: number[] = [];
    for (let i = 0; i < queriesPerRun; i += 1) {
      const start = performance.now();
      await db.query(query.text, query.params);
      times.push(performance.now() - start);
    }
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  });
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

export async function planSummary(db: Db, query: SqlQuery): Promise<string> {
  const plan = await db.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${query.text}`,
    query.params,
  );
  const lines = plan.rows.map((r) => r['QUERY PLAN']);
  const scans = lines
    .map((line) =>
      /(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( Backward)?( using (\w+))?/.exec(
        line,
      ),
    )
    .filter((m) => m !== null)
    .map((m) => `${m[1]}${m[2] ?? ''}${m[4] === undefined ? '' : ` ${m[4]}`}`);
  const buffers = lines.find((line) => line.trim().startsWith('Buffers'))?.trim() ?? '';
  return `${scans.join(' + ')}  [${buffers}]`;
}

export async function run(): Promise<void> {
  if (!(await isPostgresReachable())) {
    console.log('PostgreSQL unreachable: dlq-read needs a server');
    return;
  }
  console.log(
    `config: ${ROWS.toLocaleString('en-US')} rows, limit ${LIMIT}, ${QUERIES_PER_RUN} queries per run, median of ${RUNS} runs (p50/p99 in ms)`,
  );
  const scratch = await createScratchDatabase();
  const db = createPgDb(scratch.url, { logger: silentLogger, queryTimeoutMs: 600_000 });
  try {
    await migrate(db, silentLogger);
    const seedStart = performance.now();
    await seed(db);
    console.log(
      `seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (INSERT … generate_series + VACUUM ANALYZE)`,
    );
    const cases: Case[] = [
      { name: 'no filter', filter: {} },
      { name: 'target', filter: { target: 'target-7' } },
      { name: 'error_type', filter: { error_type: 'permanent' } },
      { name: 'reason', filter: { reason: 'shutdown' } },
      { name: 'priority', filter: { priority: 'high' } },
      { name: 'replayed=false', filter: { replayed: false } },
      { name: 'replayed=true', filter: { replayed: true } },
      { name: 'fingerprint', filter: { fingerprint: lpadHex(1234) } },
      { name: 'failed_after 1d', filter: { failed_after: NEWEST - 86_400_000 } },
      { name: 'failed_before 15d', filter: { failed_before: NEWEST - 15 * 86_400_000 } },
      { name: 'target+reason', filter: { target: 'target-7', reason: 'timeout' } },
      { name: 'deep (cursor)', filter: {}, before: await deepCursor(db) },
      { name: 'deep (offset 100k)', filter: {}, offset: 100_000 },
    ];
    console.log(
      `${'read'.padEnd(20)} ${'page p50'.padStart(9)} ${'p99'.padStart(7)} ${'total p50'.padStart(10)} ${'p99'.padStart(7)}  plan of the page`,
    );
    for (const c of cases) {
      const { page, count } = buildListQueries(c.filter, c.before, LIMIT, c.offset ?? 0);
      const pageTimes = await latencies(db, page);
      const countTimes = await latencies(db, count);
      console.log(
        `${c.name.padEnd(20)} ${pageTimes.p50.toFixed(2).padStart(9)} ${pageTimes.p99.toFixed(2).padStart(7)} ${countTimes.p50.toFixed(2).padStart(10)} ${countTimes.p99.toFixed(2).padStart(7)}  ${await planSummary(db, page)}`,
      );
    }
  } finally {
    await db.close();
    await scratch.drop();
  }
}

function lpadHex(n: number): string {
  return n.toString(16).padStart(16, '0');
}
