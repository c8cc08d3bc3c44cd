import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

import type { App } from '../../src/app.js';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Clock } from '../../src/domain/clock.js';

export interface RunningApp {
  app: App;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface AppSetup {
  /** YAML for the whole config except storage (added here). */
  yaml: string;
  databaseUrl?: string;
  /** More `storage` keys, as YAML values (`{ query_timeout: '2s' }`). */
  storage?: Record<string, string>;
  clock?: Clock;
  env?: Record<string, string>;
  /** The built console to serve at /ui/ (default dist/ui). */
  consoleDir?: string;
  /** What a reload reads (default: the YAML it started with). */
  reloadYaml?: () => string;
  /** storage.data_dir, kept at stop (default: a temp folder, removed at stop). */
  dataDir?: string;
  /** Default: logs nothing. */
  logger?: PinoLogger;
}

/** The real app from real YAML on 127.0.0.1:0, logging nothing, data in a temp folder. */
export async function startApp(setup: AppSetup): Promise<RunningApp> {
  const dataDir = setup.dataDir ?? (await mkdtemp(join(tmpdir(), 'alert-publisher-e2e-')));
  const more = Object.entries(setup.storage ?? {}).map(([key, value]) => `  ${key}: ${value}\n`);
  const storage = `storage:\n  data_dir: "${dataDir}"\n  database_url: "${setup.databaseUrl ?? ''}"\n${more.join('')}`;
  const parse = (yaml: string) =>
    parseConfig(`${storage}${yaml}`, { env: setup.env ?? {}, source: 'e2e' });
  const config = parse(setup.yaml);
  const reloadYaml = setup.reloadYaml;
  const app = await createApp({
    config,
    logger: setup.logger ?? pino({ level: 'silent' }),
    version: '0.0.0-e2e',
    random: () => 0,
    processMetrics: false,
    ...(setup.clock === undefined ? {} : { clock: setup.clock }),
    ...(setup.consoleDir === undefined ? {} : { consoleDir: setup.consoleDir }),
    ...(reloadYaml === undefined ? {} : { loadConfig: () => parse(reloadYaml()) }),
  });
  const url = await app.listen(0);
  return {
    app,
    url,
    dataDir,
    async stop() {
      await app.stop();
      if (setup.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
