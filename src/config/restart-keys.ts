import type { Config } from './schema.js';

/**
 * The settings a running service cannot change in place: a reload keeps the running value of
 * each and names the ones that differ (docs/configuration.md, Reload). Everything else (targets,
 * retry, breaker, queue sizes and workers, auth tokens, log level, stop timeouts) swaps at once.
 */
const RESTART_SECTIONS: ReadonlyArray<{ path: string; read: (config: Config) => unknown }> = [
  { path: 'server', read: (c) => c.server },
  { path: 'storage', read: (c) => c.storage },
  { path: 'queue.mode', read: (c) => c.queue.mode },
  { path: 'queue.durable', read: (c) => c.queue.durable },
  { path: 'tracking', read: (c) => c.tracking },
  // Read once at start by the retention task and the dead-letter writer.
  { path: 'dlq', read: (c) => c.dlq },
];

/** Key paths whose value differs between the running and the new config and needs a restart. */
export function restartRequired(running: Config, next: Config): string[] {
  return RESTART_SECTIONS.flatMap(({ path, read }) => differences(path, read(running), read(next)));
}

/** `next` with the running value of every restart-only key: what a reload can apply. */
export function applicablePart(running: Config, next: Config): Config {
  return {
    ...next,
    server: running.server,
    storage: running.storage,
    queue: { ...next.queue, mode: running.queue.mode, durable: running.queue.durable },
    tracking: running.tracking,
    dlq: running.dlq,
  };
}

/** The leaf paths under `path` where two config values differ. */
function differences(path: string, a: unknown, b: unknown): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differences(`${path}.${key}`, a[key], b[key]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
