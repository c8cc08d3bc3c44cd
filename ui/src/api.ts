import type { Decoder, Readiness } from './schemas.js';
import { errorEnvelopeSchema, readinessSchema } from './schemas.js';

/** A failed call: the API's error envelope, or status 0 when the server could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** 404 because the server has no such route (an older server), not an unknown id. */
  get isMissingRoute(): boolean {
    return this.status === 404 && this.message.startsWith('no route ');
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface Api {
  get<T>(path: string, decoder: Decoder<T>, query?: Query): Promise<T>;
  post<T>(path: string, decoder: Decoder<T>, body?: unknown): Promise<T>;
  /** A DELETE answered with 204. */
  delete(path: string): Promise<void>;
  /** A DELETE answered with a JSON body. */
  deleteJson<T>(path: string, decoder: Decoder<T>, query?: Query): Promise<T>;
  /** `GET /readyz`, outside the API and its auth; a 503 (not ready) has the same body. */
  readiness(): Promise<Readiness>;
}

export const API = '/api/v2/publishing';

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return new ApiError(response.status, 'error', `HTTP ${response.status}`);
  }
  const parsed = errorEnvelopeSchema.safeParse(body);
  return parsed.success
    ? new ApiError(response.status, parsed.data.error.code, parsed.data.error.message)
    : new ApiError(response.status, 'error', `HTTP ${response.status}`);
}

/**
 * fetch against this origin's API with the session's token as a Bearer header. A 401 calls
 * `onUnauthorized` (the console asks for a token again) before it throws.
 */
export function createApi(token: () => string | undefined, onUnauthorized: () => void): Api {
  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bearer = token();
    if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
    const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${API}${path}`, init);
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(0, 'unreachable', `the service did not answer (${reason})`);
    }
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function decoded<T>(response: Response, decoder: Decoder<T>): Promise<T> {
    const parsed = decoder.safeParse(await response.json());
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.join('.')}: ${issue.message}`;
    throw new ApiError(response.status, 'unexpected_answer', `unexpected answer${where}`);
  }

  return {
    async get(path, decoder, query) {
      return decoded(await send('GET', withQuery(path, query)), decoder);
    },
    async post(path, decoder, body) {
      return decoded(await send('POST', path, body), decoder);
    },
    async delete(path) {
      await send('DELETE', path);
    },
    async deleteJson(path, decoder, query) {
      return decoded(await send('DELETE', withQuery(path, query)), decoder);
    },
    async readiness() {
      let response: Response;
      try {
        response = await fetch('/readyz', { cache: 'no-store', credentials: 'omit' });
      } catch (error: unknown) {
        throw new ApiError(0, 'unreachable', `the service did not answer (${messageOf(error)})`);
      }
      return decoded(response, readinessSchema);
    },
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
