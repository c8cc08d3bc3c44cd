import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createCliBackends } from '../../src/cli-backends.js';
import type { CliRun } from '../support/cli-run.js';
import { runCommand } from '../support/cli-run.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { createFakeDeps } from '../support/service-fakes.js';
import type { RunningServer } from '../support/service-http.js';
import { startServer } from '../support/service-http.js';

/** The client commands find the server from the config file the operator named (docs/cli.md). */

function portOf(server: RunningServer): number {
  return Number(new URL(server.url).port);
}

/** `alert-publisher ARGS` with the real backends, which read the config file, in `env` only. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const backends = createCliBackends({ out: () => undefined, err: () => undefined, env }, '1.2.3');
  return runCommand(args, backends, env);
}

describe('client commands with a config file and no --url', () => {
  let dir: string;
  let configured: RunningServer;
  let other: RunningServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-cli-url-'));
    configured = await startServer(
      createFakeDeps({ auth: { apiToken: 'shared', readToken: '', webhookToken: '' } }),
    );
    other = await startServer(
      createFakeDeps({ auth: { apiToken: 'shared', readToken: '', webhookToken: '' } }),
    );
  });
  after(async () => {
    await configured.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function config(name: string, yaml: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, yaml);
    return file;
  }

  it('reach the server on server.port of --config, with its auth.api_token', async () => {
    const file = await config(
      'port.yaml',
      `server: { port: ${portOf(configured)} }\nauth: { api_token: shared }\n`,
    );
    const run = await cli(['--config', file, 'jobs', 'list']);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^ID\s+STATE/m);
  });

  it('reach the server on PORT over the port of ALERT_PUBLISHER_CONFIG', async () => {
    const file = await config('env.yaml', 'server: { port: 1 }\n');
    const run = await cli(['targets', 'list'], {
      ALERT_PUBLISHER_CONFIG: file,
      PORT: String(portOf(configured)),
      ALERT_PUBLISHER_API_TOKEN: 'shared',
    });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^hook\s+webhook\s+true\s+closed\s+-\s+0\s+-$/m);
  });

  it('leave --url and ALERT_PUBLISHER_URL first, and send the config token to its own server only', async () => {
    const closed = await config(
      'closed.yaml',
      'server: { port: 1 }\nauth: { api_token: shared }\n',
    );
    const byFlag = await cli([
      '--config',
      closed,
      'jobs',
      'list',
      '--url',
      other.url,
      '--token',
      'shared',
    ]);
    assert.equal(byFlag.code, 0, byFlag.err);
    const byEnv = await cli(['--config', closed, 'dlq', 'stats', '--token', 'shared'], {
      ALERT_PUBLISHER_URL: other.url,
    });
    assert.equal(byEnv.code, 0, byEnv.err);
    const withoutToken = await cli(['--config', closed, 'dlq', 'stats', '--url', other.url]);
    assert.equal(withoutToken.code, 1);
    assert.match(withoutToken.err, /unauthorized/);
    const fromConfig = await config(
      'found.yaml',
      `server: { port: ${portOf(configured)} }\nauth: { api_token: shared }\n`,
    );
    const found = await cli(['--config', fromConfig, 'dlq', 'stats']);
    assert.equal(found.code, 0, found.err);
  });

  it('fail with the config error, exit 2 naming the key, when the config cannot be loaded', async () => {
    const file = await config('bad.yaml', 'server: { port: 99999 }\n');
    const run = await cli(['--config', file, 'jobs', 'list']);
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /^error: invalid_config: invalid configuration \(.*bad\.yaml\)$/m);
    assert.match(run.err, /^ {2}server\.port: expected a port number 0-65535$/m);
    const missing = await config('missing.yaml', 'server:\n  port: ${NOT_SET_PORT}\n');
    const asJson = await cli(['--config', missing, '--json', 'alerts', 'list']);
    assert.equal(asJson.code, 2, asJson.err);
    const envelope = JSON.parse(asJson.out) as {
      error: { code: string; details: { path: string }[] };
    };
    assert.equal(envelope.error.code, 'invalid_config');
    assert.deepEqual(
      envelope.error.details.map((detail) => detail.path),
      ['server.port'],
    );
  });
});

describe('dlq commands with a database URL and a config that cannot be loaded', () => {
  let dir: string;
  let broken: string;
  let scratch: { url: string; drop: () => Promise<void> } | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-cli-dlq-db-'));
    broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'server: { port: 99999 }\n');
    if (!(await isPostgresReachable())) return;
    scratch = await createScratchDatabase();
    const migrated = await cli(['migrate', '--database-url', scratch.url]);
    assert.equal(migrated.code, 0, migrated.err);
  });
  after(async () => {
    await scratch?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('read, purge and delete in the database without reading the config', async (t) => {
    if (scratch === undefined) return t.skip('PostgreSQL unreachable');
    const env = { ALERT_PUBLISHER_CONFIG: broken };
    const list = await cli(['dlq', 'list', '--json', '--database-url', scratch.url], env);
    assert.equal(list.code, 0, list.err);
    assert.equal((JSON.parse(list.out) as { total: number }).total, 0);
    for (const args of [['stats'], ['purge', '--older-than', '720h']]) {
      const run = await cli(['dlq', ...args], { ...env, DATABASE_URL: scratch.url });
      assert.equal(run.code, 0, `dlq ${args.join(' ')}: ${run.err}`);
    }
    const id = '00000000-0000-4000-8000-000000000000';
    for (const command of ['show', 'delete']) {
      const run = await cli(['dlq', command, id, '--database-url', scratch.url], env);
      assert.equal(run.code, 1, `dlq ${command}: ${run.err}`);
      assert.match(run.err, /^error: not_found: /m);
    }
  });

  it('replay still needs the server from the config: exit 2 naming the key', async (t) => {
    if (scratch === undefined) return t.skip('PostgreSQL unreachable');
    const env = { ALERT_PUBLISHER_CONFIG: broken, DATABASE_URL: scratch.url };
    for (const args of [['00000000-0000-4000-8000-000000000000'], ['--all']]) {
      const run = await cli(['dlq', 'replay', ...args], env);
      assert.equal(run.code, 2, `dlq replay ${args.join(' ')}: ${run.err}`);
      assert.match(run.err, /^error: invalid_config: invalid configuration \(.*broken\.yaml\)$/m);
      assert.match(run.err, /^ {2}server\.port: expected a port number 0-65535$/m);
    }
  });

  it('without a database URL go to the server, so the config error ends them, exit 2', async () => {
    const run = await cli(['dlq', 'stats'], { ALERT_PUBLISHER_CONFIG: broken });
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /^ {2}server\.port: expected a port number 0-65535$/m);
  });
});
