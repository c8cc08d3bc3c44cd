import { pino } from 'pino';
import { request } from 'undici';

import type { ServerDeps } from '../../src/http/ports.js';
import type { HttpServer } from '../../src/http/server.js';
import { createServer } from '../../src/http/server.js';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export interface CallOptions {
  json?: unknown;
  /** Sent as is with content-type application/json. */
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** One real HTTP request through undici; the body is parsed when it is JSON. */
export async function call(
  baseUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: CallOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.json !== undefined || options.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw ?? JSON.stringify(options.json);
  }
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  const response = await request(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.body.text();
  const type = String(response.headers['content-type'] ?? '');
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    body: type.includes('json') && text !== '' ? JSON.parse(text) : undefined,
  };
}

export interface RunningServer {
  url: string;
  server: HttpServer;
  close(): Promise<void>;
}

/** The real Fastify server on 127.0.0.1 and an ephemeral port, logging nothing. */
export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const server = createServer(deps, pino({ level: 'silent' }));
  const url = await server.listen('127.0.0.1', 0);
  return { url, server, close: () => server.close() };
}

/** Reads `error.code` from an error envelope. */
export function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export function errorPaths(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || !('error' in body)) return [];
  const error = body.error;
  if (typeof error !== 'object' || error === null || !('details' in error)) return [];
  const details = error.details;
  if (!Array.isArray(details)) return [];
  return details.map((d: unknown) =>
    typeof d === 'object' && d !== null && 'path' in d && typeof d.path === 'string' ? d.path : '',
  );
}

/** The value of one series (name with its labels, as /metrics prints it) from a running server. */
export async function metricValue(baseUrl: string, series: string): Promise<string | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const prefix = `alert_publisher_${series} `;
  return text
    .split('\n')
    .find((line) => line.startsWith(prefix))
    ?.slice(prefix.length);
}
