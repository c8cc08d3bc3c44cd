import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';

import type { LOG_LEVELS } from './config/schema.js';

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

/** JSON lines on stdout (or a destination for tests). */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): PinoLogger {
  const options = {
    level,
    base: { service: 'alert-publisher' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
