import type { PublishOutcome } from '../domain/publisher.js';
import type { SecretMask } from '../domain/secret-mask.js';
import { classifyStatus, honoursRetryAfter } from '../retry/classify.js';
import { parseRateLimitResetMs, parseRetryAfterMs } from '../retry/retry-after.js';
import type { HttpResponse, TransportFailure } from './http-result.js';
import { truncate } from './truncate.js';

/** Shared by publishers: HTTP results → outcomes with redacted, one-line messages. */
export const SNIPPET_CHARS = 300;

/**
 * The start of a response body on one line, secrets removed first: cut before masking, a
 * secret across the cut would leave its first characters. Masked before the whitespace is
 * folded (a secret holding a run of spaces) and after (one the folding put together).
 */
export function snippet(body: string, mask: SecretMask): string {
  return truncate(mask(mask(body).replace(/\s+/g, ' ').trim()), SNIPPET_CHARS);
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
 * relative to the injected clock's `nowMs`; without a usable one, `RateLimit-Reset` is (Rootly
 * answers 429 with RateLimit-* headers only; docs/how-it-works.md, "Retries").
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
    const { headers } = response;
    const retryAfterMs =
      parseRetryAfterMs(headers['retry-after'], nowMs) ??
      parseRateLimitResetMs(headers['ratelimit-reset'], nowMs);
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
  }
  return outcome;
}
