import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createPgliteDb, pgliteDirOf } from './pglite-db.js';

const HOLDER = join(
  import.meta.dirname,
  '..',
  '..',
  'test',
  'support',
  'hold-embedded-database.ts',
);

interface Holder {
  /** Resolves with the child's pid once it has the database open; rejects if it exits first. */
  opened: Promise<number>;
  /** Resolves with the exit code and stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
  /** Ends stdin: the child closes the database and exits. */
  close(): void;
  kill(): void;
}

/** Another process opening the embedded database in `dataDir` (test/support/hold-embedded-database.ts). */
function openInChild(dataDir: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dataDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  const opened = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const pid = /^open (\d+)$/m.exec(stdout)?.[1];
      if (pid !== undefined) resolve(Number(pid));
    });
    void exited.then(({ code }) =>
      reject(new Error(`the child exited with ${String(code)} before opening: ${stderr}`)),
    );
  });
  // A test that expects a refusal never awaits `opened`.
  opened.catch(() => undefined);
  return {
    opened,
    exited,
    close: () => child.stdin.end(),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Another process's attempt to open it, which must be refused: resolves with its stderr. */
async function refusalInChild(dataDir: string): Promise<string> {
  const child = openInChild(dataDir);
  const outcome = await child.opened.then(
    () => undefined,
    () => child.exited,
  );
  if (outcome === undefined) {
    child.close();
    await child.exited;
    assert.fail('the other process opened the database');
  }
  assert.equal(outcome.code, 1, outcome.stderr);
  return outcome.stderr;
}

/** Another process is refused, told that this one holds the database. */
async function assertHeldHere(dataDir: string): Promise<void> {
  assert.match(
    await refusalInChild(dataDir),
    new RegExp(`in use by process ${String(process.pid)} `),
  );
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pid no process has: one of a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

describe('the lock of the embedded database', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ap-pglite-lock-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const freshDir = (): string => pgliteDirOf(join(root, randomUUID()));

  it('refuses a second process, naming the directory and the pid that holds it; open again once that one closed', async () => {
    const dataDir = freshDir();
    const holder = openInChild(dataDir);
    try {
      const pid = await holder.opened;
      await assert.rejects(
        createPgliteDb(dataDir),
        new RegExp(`^Error: ${escaped(dataDir)} is in use by process ${String(pid)} \\(lock file `),
      );
    } finally {
      holder.close();
    }
    assert.equal((await holder.exited).code, 0);
    const db = await createPgliteDb(dataDir);
    await db.close();
  });

  it('is released on close: a process refused while this one had it open opens it afterwards', async () => {
    const dataDir = freshDir();
    const db = await createPgliteDb(dataDir);
    try {
      await assertHeldHere(dataDir);
    } finally {
      await db.close();
    }
    assert.ok(!existsSync(`${dataDir}.lock`));
    const later = openInChild(dataDir);
    try {
      await later.opened;
    } finally {
      later.close();
    }
    assert.equal((await later.exited).code, 0);
  });

  it('takes over the lock of a process that was killed, and then holds it itself', async () => {
    const dataDir = freshDir();
    const killed = openInChild(dataDir);
    await killed.opened;
    killed.kill();
    await killed.exited;
    assert.ok(existsSync(`${dataDir}.lock`), 'kill -9 leaves the lock file');
    const db = await createPgliteDb(dataDir);
    try {
      await assertHeldHere(dataDir);
    } finally {
      await db.close();
    }
  });

  it('takes over a lock of an earlier run with this process’s pid (a container’s PID 1 after a restart)', async () => {
    const dataDir = freshDir();
    await createPgliteDb(dataDir).then((db) => db.close());
    await writeFile(`${dataDir}.lock`, `${String(process.pid)}\n${randomUUID()}\n`);
    const db = await createPgliteDb(dataDir);
    try {
      await assertHeldHere(dataDir);
    } finally {
      await db.close();
    }
  });

  it('lets exactly one of two processes that find the same stale lock open the database', async () => {
    const dataDir = freshDir();
    await createPgliteDb(dataDir).then((db) => db.close());
    await writeFile(`${dataDir}.lock`, `${String(await deadPid())}\n${randomUUID()}\n`);
    const starters = [openInChild(dataDir), openInChild(dataDir)];
    try {
      const outcomes = await Promise.all(
        starters.map((starter) =>
          starter.opened.then(
            () => 'open',
            async () => (await starter.exited).stderr,
          ),
        ),
      );
      const refusals = outcomes.filter((outcome) => outcome !== 'open');
      assert.equal(refusals.length, 1, String(outcomes));
      assert.match(refusals[0] ?? '', /in use by process \d+ |being taken over by process \d+/);
    } finally {
      for (const starter of starters) starter.close();
    }
    const codes = await Promise.all(starters.map(async (starter) => (await starter.exited).code));
    assert.deepEqual(codes.sort(), [0, 1]);
  });
});
