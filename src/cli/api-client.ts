import { errors, request } from 'undici';

import type { ErrorDetail } from '../domain/errors.js';

/** A failed call: the server's error envelope, or a transport failure (status 0). */
export class ApiCallError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(
    status: number,
    code: string,
    message: string,
    details: ErrorDetail[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'ApiCallError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/** `long`: the call may legitimately run for minutes (bulk replay, purge). */
export interface CallOptions {
  long?: boolean;
}

export interface ApiClient {
  readonly baseUrl: string;
  get(path: string, query?: Query): Promise<unknown>;
  post(path: string, body?: unknown, options?: CallOptions): Promise<unknown>;
  delete(path: string, query?: Query, options?: CallOptions): Promise<unknown>;
}

export interface Timeouts {
  timeoutMs: number;
  /** For `long` calls. */
  longTimeoutMs: number;
}

/**
 * A bulk replay of the largest run allowed (1000 letters) took 44 s at the slowest rate measured
 * before replays went in chunks (23 letters/s, docs/benchmarks.md); 10 minutes covers 1000 at
 * under 2 letters/s, and a purge of millions of rows in 10 000-row statements.
 */
export const DEFAULT_TIMEOUTS: Timeouts = { timeoutMs: 30_000, longTimeoutMs: 10 * 60_000 };

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

function errorOf(status: number, body: unknown): ApiCallError {
  const error: unknown =
    typeof body === 'object' && body !== null ? Reflect.get(body, 'error') : undefined;
  if (typeof error === 'object' && error !== null) {
    const code: unknown = Reflect.get(error, 'code');
    const message: unknown = Reflect.get(error, 'message');
    const details: unknown = Reflect.get(error, 'details');
    return new ApiCallError(
      status,
      typeof code === 'string' ? code : 'error',
      typeof message === 'string' ? message : `HTTP ${status}`,
      Array.isArray(details) ? details.filter(isDetail) : [],
    );
  }
  return new ApiCallError(status, 'error', `HTTP ${status}`);
}

function isDetail(value: unknown): value is ErrorDetail {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'path') === 'string' &&
    typeof Reflect.get(value, 'message') === 'string'
  );
}

/** The running server's API, as the CLI's non-database commands use it. */
export function createApiClient(
  baseUrl: string,
  token: string | undefined,
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    if (!/^https?:\/\/[^/]/.test(root)) {
      throw new ApiCallError(
        0,
        'invalid_url',
        `--url "${baseUrl}" is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)`,
      );
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined && token !== '') headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = options.long === true ? timeouts.longTimeoutMs : timeouts.timeoutMs;
    let text: string;
    let statusCode: number;
    try {
      const response = await request(`${root}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error: unknown) {
      throw transportError(root, method, path, timeoutMs, error);
    }
    const parsed: unknown = text === '' ? undefined : parseJson(text);
    if (statusCode >= 400) throw errorOf(statusCode, parsed);
    return parsed;
  }

  return {
    baseUrl: root,
    get: (path, query) => send('GET', withQuery(path, query)),
    post: (path, body, options) => send('POST', path, body ?? undefined, options),
    delete: (path, query, options) => send('DELETE', withQuery(path, query), undefined, options),
  };
}

/**
 * A request that was sent and not answered in time is not "unreachable": the server may still
 * be working on it (a bulk replay or purge completes even when the CLI gave up waiting).
 */
function transportError(
  root: string,
  method: string,
  path: string,
  timeoutMs: number,
  error: unknown,
): ApiCallError {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new ApiCallError(
      0,
      'timeout',
      `${root} did not answer ${method} ${path.split('?')[0] ?? path} within ${timeoutMs / 1000} s: the operation may still be running or may have completed; check with "alert-publisher dlq stats" (or "dlq list") before running it again.`,
      [],
      { cause: error },
    );
  }
  return new ApiCallError(
    0,
    'unreachable',
    `cannot reach ${root} (${reason}): is "alert-publisher serve" running? Use --url to point elsewhere.`,
    [],
    { cause: error },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error: unknown) {
    throw new ApiCallError(
      0,
      'bad_response',
      'the server answered something that is not JSON',
      [],
      { cause: error },
    );
  }
}
