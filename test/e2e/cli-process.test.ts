import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { anAlert } from '../support/builders.js';
import { startConnectProxy } from '../support/connect-proxy.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { BIN, ROOT, run } from '../support/run-bin.js';
import { startTargetServer } from '../support/target-server.js';

/** The process edge: bin/alert-publisher.js and src/main.ts as users run them (real time, bounded). */

/** A config for `serve` on an ephemeral loopback port, with `extra` YAML appended. */
async function serveConfig(dir: string, name: string, extra: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    `server: { host: 127.0.0.1, port: 0 }\nstorage: { data_dir: "${join(dir, 'data')}" }\nshutdown_timeout: 2s\nlog: { level: info }\n${extra}`,
  );
  return file;
}

interface Served {
  url: string;
  pid: number | undefined;
  stdout(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `alert-publisher serve` as a child process, once it logged its listening URL. */
async function serve(
  file: string,
  env: Record<string, string | undefined> = process.env,
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file], {
    cwd: ROOT,
    env: { ...env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await eventually(
    'the listening log line',
    () => /"url":"(http:\/\/[^"]+)".*alert-publisher listening/.exec(stdout)?.[1],
    180_000,
  ); // PGlite's first start plus migrations: slow on a loaded machine
  return {
    url,
    pid: child.pid,
    stdout: () => stdout,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
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

  it('refuses to serve a log target whose directory does not exist: exit 2 naming the key; config check is static', async () => {
    const missing = join(dir, 'no-such-dir', 'alerts.log');
    const file = await serveConfig(
      dir,
      'missing-log-dir.yaml',
      `targets:\n  - { name: out, type: log }\n  - { name: audit, type: log, path: "${missing}" }\n`,
    );
    const served = await run([BIN, 'serve', '--config', file]);
    assert.equal(served.code, 2, served.stderr);
    assert.match(
      served.stderr,
      /targets\[1\]\.path: cannot be opened for appending: ENOENT: no such file or directory/,
    );
    assert.doesNotMatch(served.stderr, /^\s+at /m);
    const checked = await run([BIN, 'config', 'check', '--config', file]);
    assert.equal(checked.code, 0, checked.stderr);
  });

  it('keeps the running config when a reload names a log file in a directory that does not exist', async () => {
    const file = await serveConfig(
      dir,
      'reload-log-dir.yaml',
      `targets:\n  - { name: audit, type: log, path: "${join(dir, 'audit.log')}" }\n`,
    );
    const served = await serve(file);
    try {
      const missing = join(dir, 'no-such-dir', 'audit.log');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace(join(dir, 'audit.log'), missing),
      );
      const reloaded = await request(`${served.url}/-/reload`, { method: 'POST' });
      assert.equal(reloaded.statusCode, 422);
      const body = (await reloaded.body.json()) as {
        error: { code: string; details: { path: string; message: string }[] };
      };
      assert.equal(body.error.code, 'invalid_config');
      assert.deepEqual(
        body.error.details.map((d) => d.path),
        ['targets[0].path'],
      );
      assert.match(body.error.details[0]?.message ?? '', /ENOENT/);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });

  it('serves, answers /healthz, and stops gracefully on SIGTERM with exit 0', async () => {
    const served = await serve(await serveConfig(dir, 'serve.yaml', ''));
    assert.match(served.stdout(), /no targets configured/);
    const health = await request(`${served.url}/healthz`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    assert.equal(await served.stop(), 0);
    assert.match(served.stdout(), /"msg":"stopped"/);
  });

  it('refuses a second serve and a migrate on the data_dir of a running service: exit 1, one line naming the directory and its pid', async () => {
    const file = await serveConfig(dir, 'locked.yaml', '');
    const served = await serve(file);
    try {
      const holder = `${join(dir, 'data', 'pglite')} is in use by process ${String(served.pid)} `;
      for (const args of [
        [BIN, 'serve', '--config', file],
        [BIN, 'migrate', '--config', file],
      ]) {
        const refused = await run(args);
        assert.equal(refused.code, 1, refused.stderr);
        assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
        assert.ok(refused.stderr.startsWith(`error: ${holder}`), refused.stderr);
      }
    } finally {
      assert.equal(await served.stop(), 0);
    }
    const migrated = await run([BIN, 'migrate', '--config', file]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /database is up to date/);
  });

  it('delivers through the proxy that HTTP_PROXY names at start', async () => {
    const target = await startTargetServer();
    const proxy = await startConnectProxy();
    let served: Served | undefined;
    try {
      const targets = `targets:\n  - { name: hook, type: webhook, url: "${target.url}/in" }\n`;
      const env: Record<string, string | undefined> = { ...process.env, HTTP_PROXY: proxy.url };
      for (const name of ['http_proxy', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'])
        delete env[name];
      served = await serve(await serveConfig(dir, 'proxied.yaml', targets), env);
      const submitted = await request(`${served.url}/api/v2/publishing/queue/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert: anAlert() }),
      });
      assert.equal(submitted.statusCode, 202);
      await submitted.body.dump();
      await eventually('the delivery', () => target.requests.length === 1);
      assert.deepEqual(proxy.tunnels, [target.url.replace('http://', '')]);
      assert.equal(await served.stop(), 0);
    } finally {
      await served?.stop(); // a no-op after the stop above; ends the process of a failed test
      await proxy.close();
      await target.close();
    }
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
