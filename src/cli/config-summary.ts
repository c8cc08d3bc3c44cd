import { resolve } from 'node:path';

import type { Config } from '../config/schema.js';
import { describeDatabaseUrl } from '../db/describe-database-url.js';
import { pgliteDirOf } from '../db/pglite-db.js';
import { maxAlertsPerRequest } from '../max-alerts-bound.js';

/**
 * What an operator needs to know about a loaded config at a glance: the first log line of
 * `serve` and the output of `config check`. Never holds a secret: tokens become "set" or
 * "unset", a database URL becomes its host, port and database name.
 */
export interface ConfigSummary {
  /** Absolute path of the file read. */
  config: string;
  mode: Config['queue']['mode'];
  workers: number;
  storage: string;
  auth: { webhook: string; api: string };
  /** Configured address; port 0 means an ephemeral port (the "listening" line has it). */
  listen: string;
  targets: string[];
  /**
   * The most alerts a webhook request may carry and never be refused as too large
   * (maxAlertsPerRequest): Alertmanager's `max_alerts` should not exceed it. Undefined with no
   * enabled target.
   */
  max_alerts: number | undefined;
}

export function summarizeConfig(config: Config, source: string): ConfigSummary {
  return {
    config: resolve(source),
    mode: config.queue.mode,
    workers: config.queue.workers,
    storage: describeStorage(config.storage),
    auth: describeAuth(config.auth),
    listen: `${config.server.host}:${config.server.port}`,
    targets: config.targets.map((t) => `${t.name} (${t.type}${t.enabled ? '' : ', disabled'})`),
    max_alerts: maxAlertsPerRequest(config),
  };
}

export function describeStorage(storage: Config['storage']): string {
  if (storage.database_url === '')
    return `embedded PGlite in ${resolve(pgliteDirOf(storage.data_dir))}`;
  return `PostgreSQL at ${describeDatabaseUrl(storage.database_url)}`;
}

function describeAuth(auth: Config['auth']): ConfigSummary['auth'] {
  const webhook = auth.webhook_token === '' ? 'open (no webhook_token)' : 'bearer token';
  let api: string;
  if (auth.api_token !== '')
    api = auth.read_token === '' ? 'bearer token' : 'bearer token (reads also read_token)';
  else if (auth.read_token !== '') api = 'reads need read_token, writes from loopback only';
  else api = 'reads open, writes from loopback only (no api_token)';
  return { webhook, api };
}

/** The summary as the lines `config check` prints. */
export function summaryLines(summary: ConfigSummary): string[] {
  return [
    `server: ${summary.listen}`,
    `queue: ${summary.mode} mode, ${summary.workers} workers`,
    `storage: ${summary.storage}`,
    `auth: /webhook ${summary.auth.webhook}; /api ${summary.auth.api}`,
    `targets: ${summary.targets.length === 0 ? 'none (every alert is unrouted)' : summary.targets.join(', ')}`,
    ...(summary.max_alerts === undefined
      ? []
      : [
          `max_alerts: a webhook request of up to ${summary.max_alerts} alerts is never refused as too large (413; set Alertmanager's max_alerts no higher)`,
        ]),
  ];
}
