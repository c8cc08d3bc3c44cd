import { basicCredentialsOf } from '../domain/basic-auth.js';
import type { ProxySettings } from '../domain/proxy-settings.js';

import { Agent, EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';

import type { HttpResult } from './http-result.js';
import { ResponseCollector } from './response-collector.js';

/**
 * The one HTTP helper every publisher uses: undici `dispatch` over a pooled keep-alive
 * dispatcher, with a small handler that collects the capped body (response-collector.ts).
 * `dispatch` rather than `request`: no stream, async resource or body-consumer promise per
 * response, which cost more than the rest of an attempt. Redirects are not followed (a bare
 * dispatcher has no redirect handling). Never throws for remote failures.
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
  /**
   * Read cap for this response's body (default MAX_RESPONSE_BYTES): raise it only where the
   * caller must parse a body that echoes what it sent (Rootly's create answers with the alert).
   */
  maxResponseBytes?: number;
}

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  /** Default: every request goes directly. */
  proxy?: ProxySettings;
  /** Keep-alive connections per origin (default 128). */
  connections?: number;
  /** For tests and benches: bring your own dispatcher (it is not closed by close()). */
  dispatcher?: Dispatcher;
}

/**
 * EnvHttpProxyAgent costs ~15% of throughput per request even with no proxy set (it checks
 * NO_PROXY on every dispatch), so it is used only when a proxy is set. Every setting is passed
 * (empty strings included), so undici reads nothing from the environment itself.
 */
function dispatcherOf(options: HttpClientOptions): Dispatcher {
  const agentOptions = { connections: options.connections ?? 128, keepAliveTimeout: 30_000 };
  const proxy = options.proxy;
  if (proxy === undefined || (proxy.httpProxy === '' && proxy.httpsProxy === '')) {
    return new Agent(agentOptions);
  }
  return new EnvHttpProxyAgent({ ...agentOptions, ...proxy });
}

/** Origin and path of a URL, as undici's dispatch takes them. */
interface UrlParts {
  origin: string;
  path: string;
  /** `Basic …` of the URL's userinfo (`https://user:pass@host/`), as curl sends it. */
  basic?: string;
}

/** How many parsed URLs a client keeps: a target sends to one URL (Rootly: a few per alert). */
const PARSED_URLS_MAX = 1_000;

/** A configured Authorization header wins over the URL's userinfo. */
function withBasic(
  headers: Readonly<Record<string, string>>,
  basic: string,
): Readonly<Record<string, string>> {
  const configured = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  return configured ? headers : { ...headers, authorization: basic };
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const isOwned = options.dispatcher === undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? dispatcherOf(options);
  // Each URL parsed once, not per request: `new URL()` per request cost 4.7% of engine-post's
  // CPU per job (docs/benchmarks.md, "Specialisations"); a target posts to one URL.
  const parsed = new Map<string, UrlParts>();
  const partsOf = (url: string): UrlParts => {
    let parts = parsed.get(url);
    if (parts === undefined) {
      const { origin, pathname, search, username, password } = new URL(url);
      parts = { origin, path: `${pathname}${search}` };
      const credentials = basicCredentialsOf({ username, password });
      if (credentials !== undefined) parts.basic = `Basic ${credentials}`;
      if (parsed.size >= PARSED_URLS_MAX) parsed.clear();
      parsed.set(url, parts);
    }
    return parts;
  };

  return {
    send(req) {
      return new Promise<HttpResult>((resolve) => {
        const collector = new ResponseCollector(
          req.signal,
          req.maxResponseBytes ?? MAX_RESPONSE_BYTES,
          resolve,
        );
        try {
          const { origin, path, basic } = partsOf(req.url);
          dispatcher.dispatch(
            {
              origin,
              path,
              method: req.method,
              headers: basic === undefined ? req.headers : withBasic(req.headers, basic),
              body: req.body ?? null,
              headersTimeout: req.timeoutMs,
              bodyTimeout: req.timeoutMs,
            },
            collector,
          );
        } catch (error: unknown) {
          // An invalid URL or options: the dispatcher normally reports errors through the handler.
          collector.fail(error);
        }
      });
    },
    async close() {
      if (isOwned) await dispatcher.close();
    },
  };
}
