/**
 * Where the DLQ write time goes on local PostgreSQL: the same 20 000 letters inserted by
 * statement variants, interleaved run by run so machine noise hits each alike.
 *   jsonb     INSERT … SELECT FROM jsonb_to_recordset($1)  (one JSON parameter; the current write)
 *   json      INSERT … SELECT FROM json_to_recordset($1)   (the write before: parses it thrice)
 *   unnest    INSERT … SELECT FROM unnest($1::uuid[], …)   (one array parameter per column)
 *   values    INSERT … VALUES ($1, …), (…)                 (15 parameters per row)
 * and, for jsonb: larger statements, parallel statements, the read indexes descending as
 * 0001/0005 made them (before 0007), only the two unique indexes (what the 8 read indexes
 * cost), an UNLOGGED copy of the table (what WAL costs), synchronous_commit off (what waiting
 * for the commit flush costs), and the client-side build + JSON.stringify alone.
 */
import { performance } from 'node:perf_hooks';

import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDb } from '../../src/db/pg-db.js';
import { toRecord } from '../../src/dlq/dlq-record.js';
import type { DeadLetter } from '../../src/domain/dead-letter.js';
import {
  createScratchDatabase,
  isPostgresReachable,
  silentLogger,
} from '../../test/support/databases.js';
import { aDeadLetter } from '../../test/support/dlq-fixtures.js';
import { cpuSeconds } from '../support/process-usage.js';
import { formatRate, median } from '../support/stats.js';

const RUNS = 5;
const ROWS = 20_000;

const COLUMNS = `job_id, fingerprint, target_name, target_type, enriched_alert, target_config,
  error_message, error_type, error_reason, http_status, retry_count, last_retry_at, priority,
  failed_at, replay_of`;
const TYPES = [
  'uuid',
  'text',
  'text',
  'text',
  'jsonb',
  'jsonb',
  'text',
  'text',
  'text',
  'int',
  'int',
  'timestamptz',
  'text',
  'timestamptz',
  'uuid',
] as const;
const KEYS = COLUMNS.split(',').map((c) => c.trim());

function recordsetSql(table: string, type: 'json' | 'jsonb'): string {
  const defs = KEYS.map((k, i) => `${k} ${TYPES[i] ?? ''}`).join(', ');
  return `INSERT INTO ${table} (${COLUMNS}, created_at, updated_at)
    SELECT r.*, $2::timestamptz, $2::timestamptz FROM ${type}_to_recordset($1::${type}) AS r(${defs})
    ON CONFLICT (job_id) DO NOTHING`;
}

function unnestSql(): string {
  const arrays = TYPES.map((t, i) => `$${i + 1}::${t === 'jsonb' ? 'text' : t}[]`).join(', ');
  const select = KEYS.map((k, i) => (TYPES[i] === 'jsonb' ? `${k}::jsonb` : k)).join(', ');
  return `INSERT INTO publishing_dlq (${COLUMNS}, created_at, updated_at)
    SELECT ${select}, $16::timestamptz, $16::timestamptz
    FROM unnest(${arrays}) AS r(${COLUMNS})
    ON CONFLICT (job_id) DO NOTHING`;
}

function valuesSql(rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    const base = r * KEYS.length + 1;
    const cells = TYPES.map((t, i) => `$${base + i}::${t}`);
    tuples.push(`(${cells.join(', ')}, $0::timestamptz, $0::timestamptz)`);
  }
  const now = rows * KEYS.length + 1;
  return `INSERT INTO publishing_dlq (${COLUMNS}, created_at, updated_at)
    VALUES ${tuples.join(', ').replaceAll('$0::', `$${now}::`)} ON CONFLICT (job_id) DO NOTHING`;
}

type Row = Record<string, unknown>;
const cell = (row: Row, key: string): unknown => {
  const value = row[key];
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
};

interface Variant {
  name: string;
  batch: number;
  write(db: Db, letters: readonly DeadLetter[], now: string): Promise<unknown>;
}

const recordset =
  (table: string, type: 'json' | 'jsonb' = 'jsonb') =>
  (db: Db, letters: readonly DeadLetter[], now: string) =>
    db.query(recordsetSql(table, type), [
      JSON.stringify(letters.map((letter) => toRecord(letter))),
      now,
    ]);

/** A 4-connection pool for the parallel variants (their server CPU is not in the figures). */
let parallel: Db | undefined;
function parallelDb(): Db {
  if (parallel === undefined) throw new Error('parallel pool not open');
  return parallel;
}

const variants: Variant[] = [
  { name: 'jsonb 1000/stmt', batch: 1000, write: recordset('publishing_dlq') },
  { name: 'json 1000/stmt', batch: 1000, write: recordset('publishing_dlq', 'json') },
  { name: 'jsonb 5000/stmt', batch: 5000, write: recordset('publishing_dlq') },
  {
    name: 'unnest 1000/stmt',
    batch: 1000,
    write(db, letters, now) {
      const rows = letters.map((letter) => toRecord(letter));
      return db.query(unnestSql(), [...KEYS.map((k) => rows.map((row) => cell(row, k))), now]);
    },
  },
  {
    name: 'values 1000/stmt',
    batch: 1000,
    write(db, letters, now) {
      const rows = letters.map((letter) => toRecord(letter));
      return db.query(valuesSql(rows.length), [
        ...rows.flatMap((row) => KEYS.map((k) => cell(row, k))),
        now,
      ]);
    },
  },
  {
    name: 'jsonb 1000 as 4x250 ∥',
    batch: 1000,
    write: (_db, letters, now) =>
      Promise.all(
        [0, 250, 500, 750].map((from) =>
          recordset('publishing_dlq')(parallelDb(), letters.slice(from, from + 250), now),
        ),
      ),
  },
  {
    name: 'jsonb 1000 as 2x500 ∥',
    batch: 1000,
    write: (_db, letters, now) =>
      Promise.all(
        [0, 500].map((from) =>
          recordset('publishing_dlq')(parallelDb(), letters.slice(from, from + 500), now),
        ),
      ),
  },
  { name: 'jsonb, DESC indexes', batch: 1000, write: recordset('dlq_desc_indexes') },
  { name: 'jsonb, 2 unique idx', batch: 1000, write: recordset('dlq_two_indexes') },
  { name: 'jsonb, unlogged', batch: 1000, write: recordset('dlq_unlogged') },
];

/** The read indexes as migrations 0001 and 0005 made them, before 0007 turned them ascending. */
const DESC_INDEXES = [
  '(failed_at DESC, id DESC)',
  '(failed_at DESC, id DESC) WHERE replayed = false',
  '(failed_at DESC, id DESC) WHERE replayed',
  '(target_name, failed_at DESC, id DESC)',
  '(error_type, failed_at DESC, id DESC)',
  '(error_reason, failed_at DESC, id DESC)',
  '(priority, failed_at DESC, id DESC)',
  '(fingerprint, failed_at DESC, id DESC)',
  '(target_name, error_reason, failed_at DESC, id DESC)',
];

interface Sample {
  rate: number;
  /** Server backend CPU per row, µs. */
  serverUs: number;
  /** This process's CPU per row, µs. */
  clientUs: number;
}

async function once(
  db: Db,
  backendPid: number,
  variant: Variant,
  letters: readonly DeadLetter[],
): Promise<Sample> {
  await db.query('TRUNCATE publishing_dlq, dlq_desc_indexes, dlq_two_indexes, dlq_unlogged');
  const now = new Date().toISOString();
  const serverBefore = cpuSeconds(backendPid) ?? Number.NaN;
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < letters.length; i += variant.batch) {
    await variant.write(db, letters.slice(i, i + variant.batch), now);
  }
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  const server = (cpuSeconds(backendPid) ?? Number.NaN) - serverBefore;
  return {
    rate: letters.length / seconds,
    serverUs: (server * 1e6) / letters.length,
    clientUs: (client.user + client.system) / letters.length,
  };
}

export async function run(): Promise<void> {
  if (!(await isPostgresReachable())) {
    console.log('PostgreSQL unreachable: dlq-write-profile needs a server');
    return;
  }
  console.log(`config: ${ROWS} letters per run, median of ${RUNS} interleaved runs, rows/s`);
  const scratch = await createScratchDatabase();
  // One connection: synchronous_commit is a session setting.
  const db = createPgDb(scratch.url, { logger: silentLogger, max: 1 });
  try {
    await migrate(db, silentLogger);
    parallel = createPgDb(scratch.url, { logger: silentLogger, max: 4 });
    await db.query(`CREATE TABLE dlq_desc_indexes (LIKE publishing_dlq INCLUDING DEFAULTS
      INCLUDING CONSTRAINTS)`);
    await db.query('ALTER TABLE dlq_desc_indexes ADD PRIMARY KEY (id)');
    await db.query('CREATE UNIQUE INDEX ON dlq_desc_indexes (job_id)');
    for (const index of DESC_INDEXES) await db.query(`CREATE INDEX ON dlq_desc_indexes ${index}`);
    await db.query(`CREATE TABLE dlq_two_indexes (LIKE publishing_dlq INCLUDING DEFAULTS
      INCLUDING CONSTRAINTS)`);
    await db.query('ALTER TABLE dlq_two_indexes ADD PRIMARY KEY (id)');
    await db.query('CREATE UNIQUE INDEX ON dlq_two_indexes (job_id)');
    await db.query(`CREATE UNLOGGED TABLE dlq_unlogged (LIKE publishing_dlq INCLUDING ALL)`);
    const letters = Array.from({ length: ROWS }, () => aDeadLetter());
    const all = [...variants];
    const syncOff: Variant = {
      name: 'jsonb, sync_commit off',
      batch: 1000,
      write: recordset('publishing_dlq'),
    };
    const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    if (pid === undefined) throw new Error('no backend pid');
    const samples = new Map<string, Sample[]>();
    for (let run = 0; run <= RUNS; run += 1) {
      for (const variant of [...all, syncOff]) {
        if (variant === syncOff) await db.query('SET synchronous_commit = off');
        const sample = await once(db, pid, variant, letters);
        if (variant === syncOff) await db.query('SET synchronous_commit = on');
        // run 0 warms up
        if (run > 0) samples.set(variant.name, [...(samples.get(variant.name) ?? []), sample]);
      }
    }
    const base = median((samples.get('jsonb 1000/stmt') ?? []).map((s) => s.rate));
    console.log(
      `${'variant'.padEnd(24)} ${'rows/s'.padStart(10)}  ratio  server µs/row  client µs/row`,
    );
    for (const [name, values] of samples) {
      const rate = median(values.map((v) => v.rate));
      const serverUs = median(values.map((v) => v.serverUs));
      const clientUs = median(values.map((v) => v.clientUs));
      console.log(
        `${name.padEnd(24)} ${formatRate(rate).padStart(10)}  ${(rate / base).toFixed(2)}x  ${serverUs.toFixed(1).padStart(13)}  ${clientUs.toFixed(1).padStart(13)}`,
      );
    }
    const buildTimes: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const start = performance.now();
      for (let i = 0; i < letters.length; i += 1000) {
        JSON.stringify(letters.slice(i, i + 1000).map((letter) => toRecord(letter)));
      }
      buildTimes.push(performance.now() - start);
    }
    const buildMs = median(buildTimes);
    console.log(
      `client build + JSON.stringify alone: ${buildMs.toFixed(0)} ms per ${ROWS} (${formatRate(ROWS / (buildMs / 1000))})`,
    );
  } finally {
    await parallel?.close();
    await db.close();
    await scratch.drop();
  }
}
