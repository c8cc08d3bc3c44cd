import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createPgliteDb, pgliteDirOf } from './pglite-db.js';

describe('the embedded database', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-pglite-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates a fresh data directory, runs with the small settings, and keeps its rows', async () => {
    const dataDir = pgliteDirOf(dir);
    const db = await createPgliteDb(dataDir);
    try {
      assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
      const shown = await db.query<{ shared_buffers: string }>('SHOW shared_buffers');
      assert.deepEqual(shown.rows, [{ shared_buffers: '16MB' }]);
      await db.query('CREATE TABLE kept (n int)');
      await db.query('INSERT INTO kept VALUES (7)');
    } finally {
      await db.close();
    }
    const reopened = await createPgliteDb(dataDir);
    try {
      assert.deepEqual((await reopened.query('SELECT n FROM kept')).rows, [{ n: 7 }]);
    } finally {
      await reopened.close();
    }
  });

  it('reports why a data directory cannot be created', async () => {
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, 'x');
    await assert.rejects(
      createPgliteDb(join(notADirectory, 'pglite')),
      /pglite: cannot create the directory .*file\/pglite: ENOTDIR: not a directory/,
    );
  });
});
