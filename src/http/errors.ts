import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import type { AppErrorCode, ErrorDetail } from '../domain/errors.js';
import { AppError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../db/database-unavailable.js';
import type { Logger } from '../domain/clock.js';
import { TARGET_NAME, TARGET_NAME_RULE } from '../domain/target.js';
import { UnreadableBody, UnsupportedMediaType } from './request-body.js';
import type { RefusalCode } from './refusal-log.js';
import { NO_NUL } from './schemas.js';

/** Codes the HTTP layer adds to the domain's: every error body uses one of these. */
export const HTTP_ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'internal',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];
export type ErrorCode = AppErrorCode | HttpErrorCode;

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: ErrorDetail[] };
}

export const APP_ERROR_STATUS: Record<AppErrorCode, number> = {
  not_found: 404,
  already_replayed: 409,
  superseded: 409,
  target_not_configured: 422,
  queue_full: 503,
  stopping: 503,
  batch_too_large: 413,
  invalid_request: 400,
  invalid_config: 422,
  unavailable: 503,
};

export function envelope(
  code: ErrorCode,
  message: string,
  details: ErrorDetail[] = [],
): ErrorEnvelope {
  return { error: { code, message, details } };
}

/** Seconds for a Retry-After header: at least 1, rounded up. */
export function retryAfterSeconds(ms: number | undefined): string {
  return String(Math.max(1, Math.ceil((ms ?? 1000) / 1000)));
}

export function sendError(
  reply: FastifyReply,
  status: number,
  body: ErrorEnvelope,
  retryAfterMs?: number,
): FastifyReply {
  if (status === 503 || retryAfterMs !== undefined) {
    void reply.header('retry-after', retryAfterSeconds(retryAfterMs));
  }
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fastify's validation contexts, named as the README and the other errors name them. */
const CONTEXT_NAMES: Record<string, string> = { querystring: 'query' };

/** What a pattern of schemas.ts asks for, in words. */
const PATTERN_RULES: Record<string, string> = {
  [TARGET_NAME.source]: `must be a target name: ${TARGET_NAME_RULE}`,
  '^[0-9a-f]{16}$': 'must be 16 lower-case hex digits',
  [NO_NUL]: 'must not contain the NUL character (U+0000)',
};

/** Ajv issue → `{path, message}` with a dotted path that names the field ("query.limit"). */
function detailOf(context: string, issue: ValidationIssue): ErrorDetail {
  const segments = issue.instancePath.split('/').filter((part) => part !== '');
  const missing = issue.params['missingProperty'];
  const extra = issue.params['additionalProperty'];
  const allowed = issue.params['allowedValues'];
  const pattern = issue.params['pattern'];
  let message = issue.message ?? 'is invalid';
  if (typeof missing === 'string') {
    segments.push(missing);
    message = 'required';
  } else if (typeof extra === 'string') {
    segments.push(extra);
    message = 'unknown field';
  } else if (Array.isArray(allowed)) {
    message = `must be one of: ${allowed.map(String).join(', ')}`;
  } else if (typeof pattern === 'string') {
    message = PATTERN_RULES[pattern] ?? message;
  }
  const path = [CONTEXT_NAMES[context] ?? context, ...segments].join('.');
  return { path, message };
}

/** zlib's stream errors (Z_DATA_ERROR, Z_BUF_ERROR…): a body sent as gzip that is not. */
function isZlibError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' && code.startsWith('Z_');
}

/** A refusal is what answers 503: one list of codes and statuses, APP_ERROR_STATUS. */
function isRefusalCode(code: AppErrorCode): code is RefusalCode {
  return APP_ERROR_STATUS[code] === 503;
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && ('code' in error || 'statusCode' in error);
}

/** Hears each 503 the handler answers, with its code and message (refusal-log.ts). */
export type OnRefused = (request: FastifyRequest, code: RefusalCode, message: string) => void;

/**
 * The one error handler: AppError codes map to statuses here; a database outage
 * (DatabaseUnavailable, on any route) is a 503 `unavailable` with Retry-After `retryAfterMs`;
 * Fastify's own errors (bad JSON, body too large, schema validation) keep their status and get
 * the same envelope.
 */
export function createErrorHandler(
  logger: Logger,
  retryAfterMs: number,
  onRefused: OnRefused = () => undefined,
) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof AppError) {
      const status = APP_ERROR_STATUS[error.code];
      if (isRefusalCode(error.code)) onRefused(request, error.code, error.message);
      return sendError(
        reply,
        status,
        envelope(error.code, error.message, error.details),
        status === 503 ? error.retryAfterMs : undefined,
      );
    }
    if (isDatabaseUnavailable(error)) {
      // The adapter logged the outage once (db/reachability.ts); the request line has the 503
      // (a refused /webhook: the refusal log, refusal-log.ts).
      const reason = error instanceof Error ? error.message : String(error);
      logger.debug({ reason, url: request.url, method: request.method }, 'database unavailable');
      onRefused(request, 'unavailable', 'the database is unreachable');
      return sendError(
        reply,
        503,
        envelope('unavailable', 'the database is unreachable'),
        retryAfterMs,
      );
    }
    if (isFastifyError(error) && error.validation !== undefined) {
      const context = error.validationContext ?? 'body';
      const details = error.validation.map((issue) => detailOf(context, issue));
      const first = details[0];
      const message = first === undefined ? 'invalid request' : `${first.path}: ${first.message}`;
      return sendError(reply, 400, envelope('invalid_request', message, details));
    }
    if (error instanceof UnreadableBody) {
      const detail = { path: 'body', message: error.message };
      return sendError(reply, 400, envelope('invalid_request', error.message, [detail]));
    }
    if (isZlibError(error)) {
      return sendError(reply, 400, envelope('invalid_request', 'the body is not valid gzip data'));
    }
    const status = isFastifyError(error) ? (error.statusCode ?? 500) : 500;
    if (status === 413) {
      return sendError(reply, 413, envelope('payload_too_large', 'request body is too large'));
    }
    if (status === 415) {
      const message =
        error instanceof UnsupportedMediaType
          ? error.message
          : 'send JSON with content-type application/json';
      return sendError(reply, 415, envelope('unsupported_media_type', message));
    }
    if (status >= 400 && status < 500 && error instanceof Error) {
      return sendError(reply, status, envelope('invalid_request', error.message));
    }
    logger.error({ err: error, url: request.url, method: request.method }, 'request failed');
    return sendError(reply, 500, envelope('internal', 'internal error'));
  };
}
