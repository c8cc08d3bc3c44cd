/**
 * Durable mode (docs/storage.md): an instance starts an attempt only while its lease covers it,
 * so the lease must outlast the longest attempt plus one heartbeat, the renewal that keeps it.
 * The one rule behind the engine's check at start and the configuration's checks.
 */
export function leaseCoversAttempt(
  leaseMs: number,
  timeoutMs: number,
  heartbeatMs: number,
): boolean {
  return timeoutMs + heartbeatMs < leaseMs;
}
