import { AppError } from '../domain/errors.js';
import type { SubmitResult } from '../engine/publishing-engine.js';

/** Turns a refused submission into the AppError the error handler maps to a status. */
export function admitted(result: SubmitResult): string[] {
  if (result.ok) return result.jobIds;
  switch (result.code) {
    case 'queue_full': {
      const { priority, share } = result;
      const full =
        share === undefined
          ? `the ${priority} lane is full`
          : `the ${priority} lane's share of target "${share.target}" is full (${share.held} of ${share.limit})`;
      return fail(
        new AppError('queue_full', `${full}; retry later`, { retryAfterMs: result.retryAfterMs }),
      );
    }
    case 'stopping':
      return fail(
        new AppError('stopping', 'the service is stopping; retry later', {
          retryAfterMs: result.retryAfterMs,
        }),
      );
    case 'batch_too_large': {
      const { size, priority, capacity, target } = result;
      const exceeded =
        target === undefined
          ? `${size} ${priority} jobs exceed the ${priority} lane's capacity of ${capacity} (queue.capacity.${priority})`
          : `${size} ${priority} jobs for target ${target} exceed its share of the ${priority} lane, ${capacity} jobs (queue.per_target_share × queue.capacity.${priority})`;
      return fail(
        new AppError(
          'batch_too_large',
          `${exceeded}: lower Alertmanager's max_alerts or raise the capacity`,
        ),
      );
    }
    case 'unknown_target':
      return fail(
        new AppError('invalid_request', `target "${result.target}" is not configured`, {
          details: [{ path: 'body.targets', message: `unknown target "${result.target}"` }],
        }),
      );
    default: {
      const exhaustive: never = result;
      return exhaustive;
    }
  }
}

function fail(error: AppError): never {
  throw error;
}

/** A 503 raised before the engine is asked, while the server drains. */
export function refuseWhileDraining(isDraining: () => boolean, retryAfterMs: number): void {
  if (isDraining()) {
    throw new AppError('stopping', 'the service is stopping; retry later', { retryAfterMs });
  }
}
