import type { IncomingHttpHeaders } from 'node:http';

import { Agent, EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';

import type { ErrorType, FailureReason } from '../domain/failure.js';
import { classifyError } from '../retry/classify-error.js';

/**
 * The one HTTP helper every publisher uses: undici `request` over a pooled keep-alive
 * dispatcher (10x the throughput of Node 20's fetch). Redirects are not followed (undici's
 * `request` has no redirect handling unless asked). Never throws for remote failures.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'GET';
  url: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  /** Aborted by the engine at the attempt timeout; required so nothing outlives its attempt. */
  signal: AbortSignal;
  /** undici's header and body timeouts, as a backstop should the signal never fire. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most MAX_RESPONSE_BYTES of the body, decoded as UTF-8. */
  body: string;
  truncated: boolean;
}

export interface TransportFailure {
  type: ErrorType;
  reason: FailureReason;
  /** The typed code behind it (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, TimeoutError, …). */
  code: string;
}

export type HttpResult =
  { ok: true; response: HttpResponse } | { ok: false; failure: TransportFailure };

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  /** Honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY as set at creation (default true). */
  useEnvProxy?: boolean;
  /** Keep-alive connections per origin (default 128). */
  connections?: number;
  /** For tests and benches: bring your own dispatcher (it is not closed by close()). */
  dispatcher?: Dispatcher;
}

type Body = Dispatcher.ResponseData['body'];

/**
 * `https://host:port/path?q` → origin and path without building a URL object: the top-level
 * `request(url)` parses one per call, which costs more than the rest of the hot path.
 * Callers pass URLs the config schema validated.
 */
export function splitUrl(url: string): { origin: string; path: string } {
  const hostStart = url.indexOf('//') + 2;
  const pathStart = url.indexOf('/', hostStart);
  const queryStart = url.indexOf('?', hostStart);
  const cut =
    pathStart === -1 ? queryStart : queryStart === -1 ? pathStart : Math.min(pathStart, queryStart);
  if (cut === -1) return { origin: url, path: '/' };
  const rest = url.slice(cut);
  return { origin: url.slice(0, cut), path: rest.startsWith('/') ? rest : `/${rest}` };
}

/**
 * Reads at most `maxBytes`. A declared small body takes undici's fast path; a larger or
 * unknown one is streamed and, past the cap, the stream is destroyed (the rest is never
 * buffered; that connection is not reused).
 */
async function readCapped(
  body: Body,
  headers: IncomingHttpHeaders,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared <= maxBytes) {
    return { text: await body.text(), truncated: false };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    if (size + buffer.length > maxBytes) {
      chunks.push(buffer.subarray(0, maxBytes - size));
      truncated = true;
      break;
    }
    chunks.push(buffer);
    size += buffer.length;
  }
  if (truncated) body.destroy();
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/**
 * EnvHttpProxyAgent costs ~15% of throughput per request even with no proxy set (it checks
 * NO_PROXY on every dispatch), so it is used only when a proxy variable is set at start.
 */
function proxyConfigured(): boolean {
  const env = process.env;
  return [env['HTTP_PROXY'], env['HTTPS_PROXY'], env['http_proxy'], env['https_proxy']].some(
    (value) => value !== undefined && value !== '',
  );
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const agentOptions = { connections: options.connections ?? 128, keepAliveTimeout: 30_000 };
  const isOwned = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    (options.useEnvProxy !== false && proxyConfigured()
      ? new EnvHttpProxyAgent(agentOptions)
      : new Agent(agentOptions));

  return {
    async send(req) {
      let body: Body | undefined;
      try {
        const { origin, path } = splitUrl(req.url);
        const response = await dispatcher.request({
          origin,
          path,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: req.signal,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        body = response.body;
        const read = await readCapped(response.body, response.headers, MAX_RESPONSE_BYTES);
        return {
          ok: true,
          response: {
            status: response.statusCode,
            headers: response.headers,
            body: read.text,
            truncated: read.truncated,
          },
        };
      } catch (error: unknown) {
        // Expected remote failures become values; the typed code decides the class.
        if (body !== undefined && !body.destroyed) body.destroy();
        const failure = classifyError(error, req.signal);
        return { ok: false, failure };
      }
    },
    async close() {
      if (isOwned) await dispatcher.close();
    },
  };
}
