import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';

/** The process edge: bin/alert-publisher.js and src/main.ts as users run them (real time, bounded). */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alert-publisher.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, DATABASE_URL: env['DATABASE_URL'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the alert-publisher command', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-cli-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('accepts the bundled example config', async () => {
    const result = await run([
      BIN,
      'config',
      'check',
      '--config',
      join(ROOT, 'examples', 'alert-publisher.yaml'),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^config OK/m);
    assert.match(result.stdout, /targets: console \(log\)/);
  });

  it('lists every problem of a bad config and exits 2 without a stack trace', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'queue:\n  workers: 0\ntargets:\n  - name: x\n    type: webhook\n    url: ftp://nope\n',
    );
    for (const args of [
      [BIN, 'config', 'check', '--config', file],
      ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), '--config', file],
    ]) {
      const result = await run(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /queue\.workers/);
      assert.match(result.stderr, /targets\[0\]\.url/);
      assert.doesNotMatch(result.stderr, /^\s+at /m);
    }
  });

  it('serves, answers /healthz, and stops gracefully on SIGTERM with exit 0', async () => {
    const file = join(dir, 'serve.yaml');
    await writeFile(
      file,
      `server: { host: 127.0.0.1, port: 0 }\nstorage: { data_dir: "${join(dir, 'data')}" }\nshutdown_timeout: 2s\nlog: { level: info }\n`,
    );
    const child = spawn(process.execPath, [BIN, 'serve', '--config', file], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    let url = '';
    await eventually(
      'the listening log line',
      () => {
        const match = /"url":"(http:\/\/[^"]+)".*alert-publisher listening/.exec(stdout);
        url = match?.[1] ?? '';
        return url !== '';
      },
      180_000,
    ); // PGlite's first start plus migrations: slow on a loaded machine
    assert.match(stdout, /no targets configured/);
    const health = await request(`${url}/healthz`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /"msg":"stopped"/);
  });

  it('migrates a PostgreSQL database and reads its DLQ directly', async (t) => {
    if (!(await isPostgresReachable())) return t.skip('PostgreSQL unreachable');
    const scratch = await createScratchDatabase();
    try {
      const migrate = await run([BIN, 'migrate', '--database-url', scratch.url]);
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.match(migrate.stdout, /applied: 0001/);
      const list = await run([BIN, 'dlq', 'list', '--json', '--url', 'http://127.0.0.1:9'], {
        DATABASE_URL: scratch.url,
      });
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as { total: number }).total, 0);
    } finally {
      await scratch.drop();
    }
  });
});
