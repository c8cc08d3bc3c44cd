import type { Config } from './schema.js';

/**
 * The settings a running service cannot change in place: a reload keeps the running value of
 * each and names the ones that differ (docs/configuration.md, Reload). Everything else (targets,
 * retry, breaker, queue sizes and workers, auth tokens, log level, timeouts) swaps at once.
 */
const RESTART_KEYS: ReadonlyArray<{ path: string; read: (config: Config) => unknown }> = [
  { path: 'server.host', read: (c) => c.server.host },
  { path: 'server.port', read: (c) => c.server.port },
  { path: 'server.body_limit', read: (c) => c.server.body_limit },
  { path: 'server.request_timeout', read: (c) => c.server.request_timeout },
  { path: 'server.headers_timeout', read: (c) => c.server.headers_timeout },
  { path: 'server.keep_alive_timeout', read: (c) => c.server.keep_alive_timeout },
  { path: 'server.idle_timeout', read: (c) => c.server.idle_timeout },
  { path: 'server.max_connections', read: (c) => c.server.max_connections },
  { path: 'storage.database_url', read: (c) => c.storage.database_url },
  { path: 'storage.data_dir', read: (c) => c.storage.data_dir },
  { path: 'queue.mode', read: (c) => c.queue.mode },
  { path: 'queue.durable', read: (c) => c.queue.durable },
  { path: 'tracking.capacity', read: (c) => c.tracking.capacity },
];

/** Key paths whose value differs between the running and the new config and needs a restart. */
export function restartRequired(running: Config, next: Config): string[] {
  return RESTART_KEYS.filter(
    ({ read }) => JSON.stringify(read(running)) !== JSON.stringify(read(next)),
  ).map(({ path }) => path);
}

/** `next` with the running value of every restart-only key: what a reload can apply. */
export function applicablePart(running: Config, next: Config): Config {
  return {
    ...next,
    server: running.server,
    storage: running.storage,
    queue: { ...next.queue, mode: running.queue.mode, durable: running.queue.durable },
    tracking: running.tracking,
  };
}
