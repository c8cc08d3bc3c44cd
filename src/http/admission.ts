import { AppError } from '../domain/errors.js';
import type { SubmitResult } from '../engine/publishing-engine.js';

/** Turns a refused submission into the AppError the error handler maps to a status. */
export function admitted(result: SubmitResult): string[] {
  if (result.ok) return result.jobIds;
  switch (result.code) {
    case 'queue_full':
      return fail(
        new AppError('queue_full', `the ${result.priority} lane is full; retry later`, {
          retryAfterMs: result.retryAfterMs,
        }),
      );
    case 'stopping':
      return fail(
        new AppError('stopping', 'the service is stopping; retry later', {
          retryAfterMs: result.retryAfterMs,
        }),
      );
    case 'batch_too_large':
      return fail(
        new AppError(
          'batch_too_large',
          `${result.size} ${result.priority} jobs exceed the lane's whole capacity of ${result.capacity}: lower Alertmanager's max_alerts`,
        ),
      );
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
