/** Closed vocabularies for failures; SQL CHECK constraints mirror them (migrations/). */
export const ERROR_TYPES = ['transient', 'permanent', 'unknown'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export const FAILURE_REASONS = [
  'rate_limited',
  'server_error',
  'timeout',
  'network',
  'circuit_open',
  'overflow',
  'shutdown',
  'target_removed',
  'auth_error',
  'client_error',
  'invalid_payload',
  'internal',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * The usual error type of each reason. Classification may differ for a given status
 * (a 501 is server_error yet `unknown`), so outcomes carry their type explicitly.
 */
export const REASON_ERROR_TYPE: Record<FailureReason, ErrorType> = {
  rate_limited: 'transient',
  server_error: 'transient',
  timeout: 'transient',
  network: 'transient',
  circuit_open: 'transient',
  overflow: 'transient',
  shutdown: 'transient',
  target_removed: 'transient',
  auth_error: 'permanent',
  client_error: 'permanent',
  invalid_payload: 'permanent',
  internal: 'unknown',
};

export function isRetryable(type: ErrorType): boolean {
  return type !== 'permanent';
}
