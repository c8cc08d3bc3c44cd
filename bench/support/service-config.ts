/**
 * The configuration the end-to-end benches run the service with: one webhook target (format
 * webhook) at the sink, every worker free to serve it, the medium lane large enough for a
 * whole run, warnings only in the log (a line per delivered job would be the bench).
 */
import type { Config } from '../../src/config/schema.js';

export interface ServiceSettings {
  mode: Config['queue']['mode'];
  sinkUrl: string;
  /** PGlite files and the DLQ journal. */
  dataDir: string;
  /** Empty = the embedded PGlite. */
  databaseUrl: string;
  /** queue.workers = per_target_concurrency. */
  workers: number;
  /** queue.capacity.medium: the alerts of one run, so admission seldom answers 503. */
  mediumCapacity: number;
}

export function serviceConfigYaml(settings: ServiceSettings, port: number): string {
  return `
server: { host: 127.0.0.1, port: ${port}, body_limit: 4MiB }
storage: { data_dir: "${settings.dataDir}", database_url: "${settings.databaseUrl}" }
queue:
  mode: ${settings.mode}
  workers: ${settings.workers}
  per_target_concurrency: ${settings.workers}
  per_target_share: 1
  capacity: { high: 500, medium: ${settings.mediumCapacity}, low: 500 }
log: { level: warn }
targets:
  - name: sink
    type: webhook
    format: webhook
    url: "${settings.sinkUrl}"
`;
}
