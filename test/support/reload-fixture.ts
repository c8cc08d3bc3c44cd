/**
 * What the reload tests share (test/e2e/reload*.test.ts): config text for webhook targets
 * matched by team, a webhook body, the max_alerts bound at the modes' lane sizes, and the app
 * started on a fake clock, reloading whatever `yaml()` returns, with its warn lines captured.
 */
import { pino } from 'pino';

import { createScratchDatabase, isPostgresReachable } from './databases.js';
import type { FakeClock } from './fake-clock.js';
import { createFakeClock, stopMovingClock } from './fake-clock.js';
import type { RunningApp } from './service-app.js';
import { startApp } from './service-app.js';

export type ReloadMode = 'memory' | 'durable';

/** A webhook target receiving the alerts labelled `team`. */
export function target(name: string, url: string, team: string, extra = ''): string {
  return `  - { name: ${name}, type: webhook, url: "${url}/hook", match: ['team="${team}"']${extra} }\n`;
}

/**
 * A config of `queue` (the mode, and any further keys of `queue:`) with `targets` (lines of
 * `target`), retries a minute apart.
 */
export function yaml(queue: string, targets: string, extra = ''): string {
  return `queue: { mode: ${queue} }\nretry: { base: 60s, jitter: 0s }\n${extra}targets:\n${targets}`;
}

/** An Alertmanager v4 webhook body holding `alerts`. */
export function webhook(...alerts: unknown[]): unknown {
  return { version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'ap', alerts };
}

/**
 * The max_alerts bound with 2 or 6 enabled targets at the mode's lane sizes: the high and low
 * lanes, halved by the share of a target, or divided by six.
 */
export function maxAlertsBound(mode: ReloadMode, targets: 2 | 6): number {
  return { memory: { 2: 250, 6: 83 }, durable: { 2: 2500, 6: 833 } }[mode][targets];
}

export interface ReloadApp {
  running: RunningApp;
  clock: FakeClock;
  /** The app's log lines at warn and above, parsed. */
  warnings: Array<Record<string, unknown>>;
  /** Stops the app and drops its database. */
  stop(): Promise<void>;
}

/** Whether durable mode runs on the PostgreSQL server here (else it is skipped by the caller). */
export async function onServer(mode: ReloadMode): Promise<boolean> {
  return mode === 'durable' && (await isPostgresReachable());
}

/**
 * Starts the app on `initial` at 2026-12-06T12:00Z (fake clock); a reload reads `reloadYaml()`.
 * Durable mode gets a database of its own on the server.
 */
export async function startReloadApp(options: {
  initial: string;
  reloadYaml: () => string;
  database: boolean;
  env?: Record<string, string>;
}): Promise<ReloadApp> {
  const clock = createFakeClock(Date.parse('2026-12-06T12:00:00Z'));
  const scratch = options.database ? await createScratchDatabase() : undefined;
  const warnings: Array<Record<string, unknown>> = [];
  const write = (line: string): void => {
    warnings.push(JSON.parse(line) as Record<string, unknown>);
  };
  const running = await startApp({
    yaml: options.initial,
    clock,
    logger: pino({ level: 'warn' }, { write }),
    reloadYaml: options.reloadYaml,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(scratch === undefined ? {} : { databaseUrl: scratch.url }),
  });
  return {
    running,
    clock,
    warnings,
    async stop() {
      // A job left due soon by a test (or by one that failed midway) cannot hold the stop.
      await stopMovingClock(clock, running.stop(), 1_000);
      await scratch?.drop();
    },
  };
}
