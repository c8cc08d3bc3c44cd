import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { anAlert } from '../support/builders.js';
import type { Stage } from '../support/dockerfile.js';
import { inStage, parseDockerfile, runDockerfile } from '../support/dockerfile.js';
import { eventually } from '../support/eventually.js';

/**
 * The Dockerfile, built and started without Docker (test/support/dockerfile.ts runs its
 * steps): a build from a copy of the sources, a runtime tree with production dependencies
 * only, started with the image's CMD and ENV, healthy by the image's HEALTHCHECK, delivering,
 * and stopping on SIGTERM with exit 0.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const DOCKERFILE = join(ROOT, 'Dockerfile');

interface Package {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Package;

describe('the Dockerfile', () => {
  it('builds in one stage and runs a slim non-root image of node dist/main.js as PID 1', () => {
    const instructions = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.rest);
    assert.equal(froms.length, 2);
    const [build = '', runtime = ''] = froms;
    const base = runtime.split(/\s+/)[0] ?? '';
    assert.equal(build.split(/\s+/)[0], base, 'both stages on the same Node.js');
    assert.match(base, /^node:\d+-[a-z]+-slim$/);
    // The image's Node.js major is one package.json supports and .ci/run tests.
    const major = /^node:(\d+)-/.exec(base)?.[1] ?? '';
    assert.match(pkg.engines.node, new RegExp(`\\^${major}\\.`));
    assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), new RegExp(`node@${major}\\b`));
  });

  describe('built and started as its steps say', { timeout: 900_000 }, () => {
    let work: string;
    let image: Stage;
    let child: ChildProcess | undefined;
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'ap-image-'));
      const stages = runDockerfile(DOCKERFILE, ROOT, work);
      const last = stages.at(-1);
      assert.ok(last !== undefined);
      image = last;
    });
    after(async () => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      await rm(work, { recursive: true, force: true });
    });

    it('holds production dependencies only, runs as a non-root user, with /data a volume', (t) => {
      const modules = inStage(image, 'node_modules');
      for (const name of Object.keys(pkg.dependencies))
        assert.ok(existsSync(join(modules, name)), `${name} is in the image`);
      for (const name of Object.keys(pkg.devDependencies))
        assert.ok(!existsSync(join(modules, name)), `${name} (dev) is not in the image`);
      assert.ok(image.user !== undefined && !['root', '0'].includes(image.user));
      assert.deepEqual(image.volumes, ['/data']);
      assert.deepEqual(image.exposed, ['8080']);
      assert.deepEqual(image.cmd, ['node', 'dist/main.js']);
      assert.match(image.healthcheck?.join(' ') ?? '', /\/healthz/);
      const du = spawnSync('du', ['-sm', inStage(image, '/app')], { encoding: 'utf8' });
      t.diagnostic(`image /app: ${du.stdout.split('\t')[0] ?? '?'} MiB`);
    });

    it('starts from its CMD and ENV, is healthy by its HEALTHCHECK, delivers, and stops on SIGTERM', async () => {
      const [command, ...args] = image.cmd ?? [];
      assert.equal(command, 'node');
      const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: '' };
      for (const [key, value] of Object.entries(image.env))
        env[key] = value.startsWith('/') ? inStage(image, value) : value;
      env['PORT'] = '0';
      const started = spawn(process.execPath, args, {
        cwd: inStage(image, '.'),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let stdout = '';
      started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
      const port = await eventually(
        'the listening log line',
        () => /"url":"http:\/\/[^:]+:(\d+)".*alert-publisher listening/.exec(stdout)?.[1],
        180_000,
      );
      assert.match(stdout, /"storage":"embedded PGlite in [^"]*\/data\/pglite"/);

      const [probe = '', ...probeArgs] = image.healthcheck ?? [];
      assert.equal(probe, 'node');
      const healthy = spawnSync(process.execPath, probeArgs, {
        env: { ...env, PORT: port },
        encoding: 'utf8',
      });
      assert.equal(healthy.status, 0, healthy.stderr);
      const unhealthy = spawnSync(process.execPath, probeArgs, { env: { ...env, PORT: '9' } });
      assert.equal(unhealthy.status, 1, 'the healthcheck fails when nothing answers');

      const console = await request(`http://127.0.0.1:${port}/ui/`);
      assert.equal(console.statusCode, 200, 'the console is built into the image');
      await console.body.dump();
      const alert = anAlert({ alertname: 'ImageSmokeTest' });
      const posted = await request(`http://127.0.0.1:${port}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', status: 'firing', alerts: [alert] }),
      });
      assert.equal(posted.statusCode, 202);
      await posted.body.dump();
      await eventually('the log target to print the alert', () =>
        stdout.includes('"alertname":"ImageSmokeTest"'),
      );

      started.kill('SIGTERM');
      assert.equal(await exited, 0);
    });
  });
});
