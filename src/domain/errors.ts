/**
 * Errors a caller branches on. Each has a stable `code`; the HTTP layer maps codes to
 * statuses in one handler (http/), the CLI prints the message.
 */
export const APP_ERROR_CODES = [
  'not_found', // 404
  'already_replayed', // 409
  'superseded', // 409: a newer state of the alert was sent or is about to be
  'target_not_configured', // 422
  'queue_full', // 503 + Retry-After
  'stopping', // 503 + Retry-After
  'batch_too_large', // 413
  'invalid_request', // 400
  'invalid_config', // 422: a reload found the configuration file invalid (it is not applied)
  'unavailable', // 503 (database unreachable)
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: ErrorDetail[];
  /** For 503s: when to come back. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }
}
