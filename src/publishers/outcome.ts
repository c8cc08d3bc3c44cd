import type { PublishOutcome } from '../domain/publisher.js';
import { redactText } from '../domain/redact.js';
import { classifyStatus, honoursRetryAfter } from '../retry/classify.js';
import { parseRetryAfterMs } from '../retry/retry-after.js';
import type { HttpResponse, TransportFailure } from './http-client.js';

/** Shared by publishers: HTTP results → outcomes with redacted, one-line messages. */
const SNIPPET_CHARS = 300;

/** The start of a response body on one line, secrets removed. */
export function snippet(body: string, secrets: readonly string[]): string {
  const line = body.replace(/\s+/g, ' ').trim();
  const short = line.length > SNIPPET_CHARS ? `${line.slice(0, SNIPPET_CHARS)}…` : line;
  return redactText(short, secrets);
}

export function transportOutcome(failure: TransportFailure, what: string): PublishOutcome {
  return {
    ok: false,
    type: failure.type,
    reason: failure.reason,
    message: `${what}: ${failure.code === '' ? 'request failed' : failure.code}`,
  };
}

/**
 * The status table's verdict for `response`; `detail` (already redacted; a function so the
 * success path builds no text) joins the message. Retry-After is read on 429 and 503,
 * relative to the injected clock's `nowMs`.
 */
export function statusOutcome(
  response: HttpResponse,
  nowMs: number,
  describe: () => string,
): PublishOutcome {
  const verdict = classifyStatus(response.status);
  if (verdict.ok) return { ok: true, status: response.status };
  const detail = describe();
  const outcome: PublishOutcome = {
    ok: false,
    type: verdict.type,
    reason: verdict.reason,
    status: response.status,
    message: detail === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${detail}`,
  };
  if (honoursRetryAfter(response.status)) {
    const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], nowMs);
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  }
  return outcome;
}
