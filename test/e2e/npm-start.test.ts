import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { REPEAT_WINDOW_MS } from '../../src/stop-signals.js';
import { anAlert } from '../support/builders.js';
import { eventually } from '../support/eventually.js';
import { childrenOf, commandLineOf, isAlive } from '../support/processes.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * `npm start` as a container runtime or a terminal drives it: signals go to npm's pid (or to
 * the whole process group for Ctrl-C), and must reach the service, which must not outlive npm.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Started {
  npmPid: number;
  /** The node process running the service, npm's direct child. */
  servicePid: number;
  url: string;
  stdout(): string;
  exited: Promise<number | null>;
}

/** Service processes started here, killed at the end if a failed test left them running. */
const servicePids: number[] = [];

async function npmStart(config: string): Promise<Started> {
  const child = spawn('npm', ['start', '--', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', ALERT_PUBLISHER_API_TOKEN: '', PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a terminal's foreground job
  });
  const npmPid = child.pid;
  assert.ok(npmPid !== undefined, 'npm did not start');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await eventually(
    'the listening log line',
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${stdout}${stderr}`);
      return /"url":"(http:\/\/[^"]+)".*alert-publisher listening/.exec(stdout)?.[1];
    },
    180_000, // the first start creates the embedded database
  );
  const [servicePid, ...others] = childrenOf(npmPid);
  assert.ok(servicePid !== undefined, 'npm has no child process');
  assert.deepEqual(others, []);
  servicePids.push(servicePid);
  return { npmPid, servicePid, url, stdout: () => stdout, exited };
}

function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('npm start', () => {
  let dir: string;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ap-npm-start-'));
    config = join(dir, 'config.yaml');
    await writeFile(
      config,
      `server: { host: 127.0.0.1, port: 0 }\nstorage: { data_dir: "${join(dir, 'data')}" }\nshutdown_timeout: 20s\n`,
    );
  });
  after(async () => {
    for (const pid of servicePids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the service as npm’s own child, first saying what it loaded', async () => {
    const started = await npmStart(config);
    try {
      // No shell between npm and node: the service gets the signals npm forwards.
      assert.match(commandLineOf(started.servicePid), /^node .*src\/main\.ts --config /);
      const [first] = logLines(started.stdout());
      assert.deepEqual(
        { ...first, time: undefined, version: undefined, level: undefined },
        {
          time: undefined,
          level: undefined,
          version: undefined,
          service: 'alert-publisher',
          msg: 'alert-publisher starting',
          config,
          mode: 'memory',
          workers: 10,
          storage: `embedded PGlite in ${join(dir, 'data', 'pglite')}`,
          auth: {
            webhook: 'open (no webhook_token)',
            api: 'reads open, writes from loopback only (no api_token)',
          },
          listen: '127.0.0.1:0',
          targets: [],
        },
      );
    } finally {
      process.kill(started.npmPid, 'SIGTERM');
      await started.exited;
    }
  });

  it('SIGTERM to npm stops the service gracefully: exit 0, no process left', async () => {
    const started = await npmStart(config);
    const health = await request(`${started.url}/healthz`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
    process.kill(started.npmPid, 'SIGTERM');
    assert.equal(await started.exited, 0);
    assert.equal(isAlive(started.servicePid), false, 'the service outlived npm');
    const lines = logLines(started.stdout());
    assert.deepEqual(
      lines.filter((line) => line['msg'] === 'stopping').map((line) => line['signal']),
      ['SIGTERM'],
    );
    assert.equal(lines.at(-1)?.['msg'], 'stopped');
  });

  it('Ctrl-C (SIGINT to the process group, which npm forwards again) stops it once, gracefully', async () => {
    const started = await npmStart(config);
    process.kill(-started.npmPid, 'SIGINT');
    assert.equal(await started.exited, 0);
    assert.equal(isAlive(started.servicePid), false);
    assert.doesNotMatch(started.stdout(), /second signal/);
    assert.match(started.stdout(), /"msg":"stopped"/);
  });

  it('a second SIGTERM during the drain exits at once, and npm exits with the service’s code 1', async () => {
    const target = await startTargetServer();
    target.setDefault({ hang: true }); // the delivery never ends: the drain waits up to shutdown_timeout (20 s)
    const hung = join(dir, 'hung.yaml');
    await writeFile(
      hung,
      `${readFileSync(config, 'utf8')}targets:\n  - { name: hook, type: webhook, url: "${target.url}/in", timeout: 60s }\n`,
    );
    try {
      const started = await npmStart(hung);
      const submitted = await request(`${started.url}/api/v2/publishing/queue/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert: anAlert() }),
      });
      assert.equal(submitted.statusCode, 202);
      await submitted.body.dump();
      await eventually('the delivery to start', () => target.requests.length === 1);
      process.kill(started.npmPid, 'SIGTERM');
      await eventually('the drain to start', () => started.stdout().includes('"msg":"stopping"'));
      await sleep(REPEAT_WINDOW_MS + 100); // a later signal, not a forwarded copy
      process.kill(started.npmPid, 'SIGTERM');
      assert.equal(await started.exited, 1);
      assert.equal(isAlive(started.servicePid), false);
      const forced = logLines(started.stdout()).find(
        (line) => line['msg'] === 'second signal: exiting without waiting',
      );
      // Memory mode: the attempt in flight is lost, and the line says so.
      assert.deepEqual([forced?.['in_flight'], forced?.['waiting'], forced?.['lost']], [1, 0, 1]);
    } finally {
      await target.close();
    }
  });
});
