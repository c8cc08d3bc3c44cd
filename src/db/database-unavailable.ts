import type { Logger } from '../domain/clock.js';
import { classifyNetworkCode } from '../retry/classify-error.js';

/**
 * The database could not be reached or did not answer in time: the server is down, refused,
 * reset or terminated the connection, or a connect or statement timeout ran out. A caller
 * answers it as a temporary outage (HTTP 503 `unavailable`); any other database error is a bug.
 */
export class DatabaseUnavailable extends Error {
  readonly code = 'database_unavailable';

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailable';
  }
}

/** Whether `error` or an error in its `cause` chain is a DatabaseUnavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; depth < 8; depth += 1) {
    if (current instanceof DatabaseUnavailable) return true;
    if (!(current instanceof Error) || current.cause === undefined) return false;
    current = current.cause;
  }
  return false;
}

/**
 * A failure's log fields: an outage by its reason alone (the adapter has logged the outage once,
 * reachability.ts, so no stack); any other failure with the error and its stack.
 */
export function failureFields(error: unknown): { reason: string } | { err: unknown } {
  return isDatabaseUnavailable(error) && error instanceof Error
    ? { reason: error.message }
    : { err: error };
}

/**
 * Logs a failed operation: during a database outage at debug, any other failure at `level`
 * (failureFields says with what).
 */
export function logFailure(
  logger: Logger,
  level: 'warn' | 'error',
  error: unknown,
  fields: object,
  message: string,
): void {
  const failure = failureFields(error);
  logger['reason' in failure ? 'debug' : level]({ ...fields, ...failure }, message);
}

/**
 * SQLSTATEs of a server that is going away or refusing work: class 08 (connection exception),
 * admin/crash shutdown, cannot connect now, too many connections, and 57014 (query_canceled:
 * statement_timeout).
 */
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
]);

/**
 * node-postgres raises these without a code; their text is the driver's own and is the only
 * way to tell them apart (connection ended, client query_timeout, pool connect timeout).
 */
const DRIVER_MESSAGES: readonly RegExp[] = [
  /^Connection terminated/,
  /^Query read timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/** Whether a node-postgres error means the server is unreachable rather than a bad statement. */
export function isPgConnectionFailure(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isPgConnectionFailure);
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code)) return true;
    if (classifyNetworkCode(code) !== undefined) return true;
  }
  return DRIVER_MESSAGES.some((pattern) => pattern.test(error.message));
}
