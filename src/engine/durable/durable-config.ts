/** Settings only durable mode has (`queue.durable` in the config). */
export interface DurableSettings {
  /** Names this instance in lease_owner (`name/1`, `name/2`, … after a lost lease). */
  instanceId: string;
  /** Lease of a claimed job; must exceed every target's attempt timeout plus a heartbeat. */
  leaseMs: number;
  /** How often the instance lease is renewed and lapsed instances swept. */
  heartbeatMs: number;
  /** Backstop poll when no notification arrives (LISTEN/NOTIFY is the normal wake-up). */
  pollMs: number;
  /** Claimed-but-unstarted jobs kept ready per worker, to hide the claim round trip. */
  prefetchPerWorker: number;
  /** Most completions committed in one transaction. */
  completionBatch: number;
  /** Succeeded and dead-lettered jobs stay readable this long. */
  retentionMs: number;
  purgeIntervalMs: number;
  purgeBatch: number;
}

/**
 * What the engine is given (defaults live in the config schema, `queue.durable`): the instance
 * id is generated and the lease derived from the targets' timeouts when absent.
 */
export type DurableOptions = Omit<DurableSettings, 'instanceId' | 'leaseMs'> & {
  instanceId?: string;
  leaseMs?: number;
};

/** Lease = longest attempt timeout + 3 heartbeats, so two missed renewals never lose a live attempt. */
export function defaultLeaseMs(maxTimeoutMs: number, heartbeatMs: number): number {
  return maxTimeoutMs + 3 * heartbeatMs;
}

/** The NOTIFY channel that wakes idle instances when jobs become due. */
export const WAKE_CHANNEL = 'publishing_jobs';
