import { request } from 'undici';

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

export interface ApiClient {
  readonly baseUrl: string;
  get(path: string, query?: Query): Promise<unknown>;
  post(path: string, body?: unknown): Promise<unknown>;
  delete(path: string, query?: Query): Promise<unknown>;
}

const TIMEOUT_MS = 30_000;

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
export function createApiClient(baseUrl: string, token: string | undefined): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');

  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
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
    let response;
    try {
      response = await request(`${root}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiCallError(
        0,
        'unreachable',
        `cannot reach ${root} (${reason}): is "alert-publisher serve" running? Use --url to point elsewhere.`,
      );
    }
    const text = await response.body.text();
    const parsed: unknown = text === '' ? undefined : parseJson(text);
    if (response.statusCode >= 400) throw errorOf(response.statusCode, parsed);
    return parsed;
  }

  return {
    baseUrl: root,
    get: (path, query) => send('GET', withQuery(path, query)),
    post: (path, body) => send('POST', path, body ?? undefined),
    delete: (path, query) => send('DELETE', withQuery(path, query)),
  };
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
