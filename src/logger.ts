import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

import type { LOG_LEVELS } from './config/schema.js';
import type { SecretMask } from './domain/secret-mask.js';

type LogLevel = (typeof LOG_LEVELS)[number];

/** Paths pino blanks before a line is written: credentials never reach a log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.authorization',
  '*.token',
  '*.api_token',
  '*.read_token',
  '*.webhook_token',
  '*.routing_key',
  '*.secret',
  '*.database_url',
];

export interface LoggerOptions {
  /** Default stdout. */
  destination?: NodeJS.WritableStream;
  /**
   * Applied to every finished line (JSON text), so a configured secret is hidden wherever it
   * appears: in an error's message or cause, a response snippet, any field (docs/security.md).
   */
  mask?: SecretMask;
}

/** JSON lines on stdout (or a destination for tests). */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): PinoLogger {
  const { mask } = options;
  const settings = {
    level,
    base: { service: 'alert-publisher' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(mask === undefined ? {} : { hooks: { streamWrite: mask } }),
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
