import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { request } from 'undici';

import { eventually } from './eventually.js';

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on free local ports, clustering off,
 * grouping by alertname with 1s waits, one webhook receiver pointing at the service. Real time:
 * the one kind of test that cannot use the fake clock, so every wait here is bounded.
 */
export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

export function alertmanagerAvailable(): boolean {
  return existsSync(ALERTMANAGER_BINARY);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningAlertmanager {
  url: string;
  /** POST /api/v2/alerts. */
  postAlerts(alerts: unknown[]): Promise<void>;
  /** GET /api/v2/alerts: the alerts as Alertmanager holds them, fingerprints included. */
  listAlerts(): Promise<unknown>;
  output(): string;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  webhookUrl: string;
  webhookToken?: string;
}

function configYaml(options: AlertmanagerOptions): string {
  const auth =
    options.webhookToken === undefined
      ? ''
      : `\n        http_config:\n          authorization:\n            credentials: "${options.webhookToken}"`;
  return `route:
  receiver: alert-publisher
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alert-publisher
    webhook_configs:
      - url: "${options.webhookUrl}"
        send_resolved: true
        max_alerts: 100${auth}
`;
}

export async function startAlertmanager(
  options: AlertmanagerOptions,
): Promise<RunningAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, configYaml(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await eventually('Alertmanager to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited:\n${output}`);
      try {
        const response = await request(`${url}/-/ready`);
        await response.body.dump();
        return response.statusCode === 200;
      } catch (error: unknown) {
        // Not listening yet: the connection is refused.
        if (error instanceof Error) return false;
        throw error;
      }
    });
  } catch (error: unknown) {
    await stop();
    throw error;
  }

  return {
    url,
    output: () => output,
    async postAlerts(alerts) {
      const response = await request(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200)
        throw new Error(`POST /api/v2/alerts: ${response.statusCode} ${text}`);
    },
    async listAlerts() {
      const response = await request(`${url}/api/v2/alerts`);
      return response.body.json();
    },
    stop,
  };
}
