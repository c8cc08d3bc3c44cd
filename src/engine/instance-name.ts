import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The name an instance goes by when the config gives none: its host, process id and a random
 * suffix (a restarted process may reuse a pid). Durable mode leases jobs under it; both modes
 * name it in the queue status, so that an operator behind a load balancer sees which instance
 * answered (docs/api.md).
 */
export function defaultInstanceName(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
