import { leaseCoversAttempt } from '../domain/lease.js';
import { formatDuration } from './duration.js';

/** A target whose attempts could outlive the durable lease, as a key path and a reason. */
export interface LeaseViolation {
  path: ['targets', number, 'timeout'];
  message: string;
}

/**
 * Durable mode: an attempt plus one heartbeat (to renew) must end within the instance's lease,
 * or a second instance could deliver the same job. `leaseIs` says where the lease comes from.
 */
export function leaseViolations(
  targets: readonly { timeout: number }[],
  leaseMs: number,
  heartbeatMs: number,
  leaseIs: string,
): LeaseViolation[] {
  const violations: LeaseViolation[] = [];
  targets.forEach((target, index) => {
    if (!leaseCoversAttempt(leaseMs, target.timeout, heartbeatMs)) {
      violations.push({
        path: ['targets', index, 'timeout'],
        message:
          `${formatDuration(target.timeout)} plus the heartbeat (${formatDuration(heartbeatMs)}) ` +
          `must stay under the durable lease (${formatDuration(leaseMs)}, ${leaseIs})`,
      });
    }
  });
  return violations;
}
