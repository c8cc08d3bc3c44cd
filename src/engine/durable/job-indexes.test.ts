import assert from 'node:assert/strict';
import { it } from 'node:test';

import { forEachDatabase } from '../../../test/support/databases.js';
import type { Db } from '../../db/db.js';
import type { JobState } from '../../domain/job.js';
import { FINAL_JOB_STATES } from '../../domain/job.js';

/**
 * The indexes of publishing_jobs whose predicate a row in `state` meets: the entries each
 * write of a job in that state adds (no write of a job is a HOT update: the state is in the
 * partial indexes' predicates). Read from the catalogue, so it follows the migrations.
 */
async function indexesWrittenFor(db: Db, state: JobState): Promise<string[]> {
  const indexes = await db.query<{ name: string; predicate: string | null }>(
    `SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS predicate
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = 'publishing_jobs'::regclass ORDER BY c.relname`,
  );
  const written: string[] = [];
  for (const index of indexes.rows) {
    if (index.predicate === null) {
      written.push(index.name);
      continue;
    }
    const met = await db.query<{ met: boolean }>(
      `SELECT ${index.predicate} AS met FROM (SELECT $1::text AS state) AS row`,
      [state],
    );
    if (met.rows[0]?.met === true) written.push(index.name);
  }
  return written;
}

// Every job is written at admission (queued), at its claim (processing) and at its completion
// (succeeded, or dlq or superseded): three entries per write, nine per delivered job
// (migrations/0011; thirteen before it).
forEachDatabase('durable job indexes', (ctx) => {
  it('take three entries per write of a job: admission, claim and completion', async () => {
    const db = ctx.db();
    assert.deepEqual(await indexesWrittenFor(db, 'queued'), [
      'publishing_jobs_chain_idx',
      'publishing_jobs_due_idx',
      'publishing_jobs_pkey',
    ]);
    assert.deepEqual(await indexesWrittenFor(db, 'processing'), [
      'publishing_jobs_chain_idx',
      'publishing_jobs_owner_idx',
      'publishing_jobs_pkey',
    ]);
    for (const final of FINAL_JOB_STATES) {
      assert.deepEqual(await indexesWrittenFor(db, final), [
        'publishing_jobs_fingerprint_idx',
        'publishing_jobs_pkey',
        'publishing_jobs_updated_idx',
      ]);
    }
  });
});
