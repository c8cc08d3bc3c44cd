import type { IncomingHttpHeaders } from 'node:http';

import type { ErrorType, FailureReason } from '../domain/failure.js';

/**
 * What `HttpClient.send` resolves to, apart from the client so that its dispatch handler
 * (response-collector.ts) and the publishers share it without an import cycle.
 */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most the request's maxResponseBytes (http-client.ts) of the body, decoded as UTF-8. */
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
