import type { Failure } from './classify.js';

/**
 * Network and transport errors by their typed `code` (Node's errno codes, undici's
 * UND_ERR_* codes, OpenSSL's certificate codes), never by message text.
 *
 * Choices: ENOTFOUND is transient (a DNS outage looks the same as a typo; a typo still ends
 * in the DLQ after the retries); TLS and certificate failures are permanent with reason
 * `network` (retrying minutes later does not fix a certificate); anything unrecognised is
 * `unknown`/`internal` and retried like a transient failure.
 */
const NETWORK_CODES: Readonly<Record<string, Failure>> = {
  ECONNREFUSED: { type: 'transient', reason: 'network' },
  ECONNRESET: { type: 'transient', reason: 'network' },
  ECONNABORTED: { type: 'transient', reason: 'network' },
  EPIPE: { type: 'transient', reason: 'network' },
  EAI_AGAIN: { type: 'transient', reason: 'network' },
  ENOTFOUND: { type: 'transient', reason: 'network' },
  EHOSTUNREACH: { type: 'transient', reason: 'network' },
  ENETUNREACH: { type: 'transient', reason: 'network' },
  ENETDOWN: { type: 'transient', reason: 'network' },
  EHOSTDOWN: { type: 'transient', reason: 'network' },
  UND_ERR_SOCKET: { type: 'transient', reason: 'network' },
  UND_ERR_CLOSED: { type: 'transient', reason: 'network' },
  ETIMEDOUT: { type: 'transient', reason: 'timeout' },
  UND_ERR_CONNECT_TIMEOUT: { type: 'transient', reason: 'timeout' },
  UND_ERR_HEADERS_TIMEOUT: { type: 'transient', reason: 'timeout' },
  UND_ERR_BODY_TIMEOUT: { type: 'transient', reason: 'timeout' },
  UND_ERR_ABORTED: { type: 'transient', reason: 'timeout' },
  ABORT_ERR: { type: 'transient', reason: 'timeout' },
};

/** OpenSSL and Node TLS codes: the target's certificate or TLS setup is wrong. */
const TLS_CODES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const TLS_FAILURE: Failure = { type: 'permanent', reason: 'network' };
const TIMEOUT_FAILURE: Failure = { type: 'transient', reason: 'timeout' };
const INTERNAL_FAILURE: Failure = { type: 'unknown', reason: 'internal' };

export interface ClassifiedError extends Failure {
  /** The typed code found ('TimeoutError' for an aborted attempt, '' when none). */
  code: string;
}

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code: unknown = Reflect.get(value, 'code');
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** Codes of the error, its `cause` chain and an AggregateError's members (Happy Eyeballs). */
function codesOf(error: unknown, depth = 0): string[] {
  if (depth > 4 || typeof error !== 'object' || error === null) return [];
  const codes: string[] = [];
  const own = codeOf(error);
  if (own !== undefined) codes.push(own);
  if (error instanceof AggregateError) {
    for (const member of error.errors) codes.push(...codesOf(member, depth + 1));
  }
  if (error instanceof Error && error.cause !== undefined) {
    codes.push(...codesOf(error.cause, depth + 1));
  }
  return codes;
}

function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name: unknown = Reflect.get(value, 'name');
  return typeof name === 'string' ? name : undefined;
}

export function classifyNetworkCode(code: string): Failure | undefined {
  return NETWORK_CODES[code] ?? (TLS_CODES.has(code) ? TLS_FAILURE : undefined);
}

/**
 * Classifies what a request threw. An aborted `signal` wins over the error itself: the engine
 * aborts at the attempt timeout (reason a `TimeoutError`) or on lease loss/stop; both are
 * reported as a transient timeout, with the abort reason's name as the code.
 */
export function classifyError(error: unknown, signal?: AbortSignal): ClassifiedError {
  if (signal?.aborted === true) {
    return { ...TIMEOUT_FAILURE, code: nameOf(signal.reason) ?? 'AbortError' };
  }
  if (nameOf(error) === 'TimeoutError') return { ...TIMEOUT_FAILURE, code: 'TimeoutError' };
  for (const code of codesOf(error)) {
    const failure = classifyNetworkCode(code);
    if (failure !== undefined) return { ...failure, code };
  }
  return { ...INTERNAL_FAILURE, code: codesOf(error)[0] ?? '' };
}
