import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:net';

/**
 * A local HTTP target for tests, on 127.0.0.1 and an ephemeral port.
 *
 *   const server = await startTargetServer();            // answers 200 "ok" by default
 *   server.respond({ status: 429, headers: { 'retry-after': '7' } }); // next request only
 *   … point a target at server.url …
 *   server.requests[0].json                               // what arrived
 *   await server.close();
 *
 * Scripted responses are used once each, in order; when none is left the default answers.
 * `hang: true` never answers (for timeouts: abort the request's signal); close() ends hung
 * connections too.
 */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-cased names, as Node parses them. */
  headers: IncomingHttpHeaders;
  /** Raw body text (exact bytes, for signature checks). */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface ScriptedResponse {
  /** default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. Default "ok". */
  body?: unknown;
  /** Real milliseconds before answering (prefer `hang` plus an aborted signal in tests). */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
}

export interface TargetServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queues responses for the next requests, one each. */
  respond(...responses: ScriptedResponse[]): void;
  /** Replaces the answer given when the queue is empty. */
  setDefault(response: ScriptedResponse): void;
  /** Resolves once `count` requests in total have arrived. */
  waitForRequests(count: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: tests read `body` instead.
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, response: ScriptedResponse): void {
  const body = response.body ?? 'ok';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
    ...response.headers,
  };
  res.writeHead(response.status ?? 200, headers);
  res.end(text);
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return address.port;
}

export async function startTargetServer(
  defaultResponse: ScriptedResponse = {},
): Promise<TargetServer> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const waiters: Array<{ count: number; resolve: (r: RecordedRequest[]) => void }> = [];
  let fallback = defaultResponse;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: parseJson(body),
      });
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(requests);
      }
      const response = queue.shift() ?? fallback;
      if (response.hang === true) return;
      if (response.delayMs !== undefined) {
        setTimeout(() => send(res, response), response.delayMs);
      } else send(res, response);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server);

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (...responses) => void queue.push(...responses),
    setDefault: (response) => {
      fallback = response;
    },
    waitForRequests: (count) =>
      requests.length >= count
        ? Promise.resolve(requests)
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
