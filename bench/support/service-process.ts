/**
 * The service as a process of its own, the way it is deployed: `src/main.ts` (the CLI's
 * `serve`) with a generated YAML config, so its CPU and memory can be read apart from the
 * bench's. Ready once GET /readyz answers 200.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { request } from 'undici';

import { freePort } from '../../test/support/service-alertmanager.js';
import { serviceConfigYaml } from './service-config.js';
import type { ServiceSettings } from './service-config.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

export interface ServiceProcess {
  pid: number;
  /** http://127.0.0.1:port */
  origin: string;
  /** SIGTERM (graceful stop), wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the process exits. */
  cpuProfileDir?: string;
}

/** Each process gets a data directory of its own, removed by `stop()`. */
export async function startServiceProcess(
  settings: Omit<ServiceSettings, 'dataDir'>,
  options: ServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ap-bench-'));
  const port = await freePort();
  const configPath = join(dataDir, 'config.yaml');
  await writeFile(configPath, serviceConfigYaml({ ...settings, dataDir }, port));
  const profile =
    options.cpuProfileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', MAIN, '--config', configPath],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DATABASE_URL: '' } },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const origin = `http://127.0.0.1:${port}`;
  await untilReady(origin, () => exitCode);
  return {
    pid: child.pid ?? 0,
    origin,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`the service exited with ${code}`);
    },
  };
}

async function untilReady(
  origin: string,
  exitCode: () => number | null | undefined,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exitCode() !== undefined) {
      throw new Error(`the service exited with ${exitCode()} before it was ready`);
    }
    try {
      const response = await request(`${origin}/readyz`);
      await response.body.dump();
      if (response.statusCode === 200) return;
    } catch (error: unknown) {
      // Not listening yet: ask again.
      if (!(error instanceof Error && 'code' in error && error.code === 'ECONNREFUSED'))
        throw error;
    }
    await sleep(50);
  }
  throw new Error(`the service at ${origin} was not ready within ${timeoutMs} ms`);
}
