import { PURGE_AGE_MAX_LENGTH } from '../dlq/purge-age.js';
import { ALERT_STATUSES } from '../domain/alert.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { JOB_STATES, PRIORITIES } from '../domain/job.js';
import { TARGET_NAME } from '../domain/target.js';

/**
 * JSON schemas Fastify validates params, queries and bodies with (400 naming the field).
 * Times are checked for PostgreSQL's range after these (dlq-inputs.ts).
 */

const uuid = { type: 'string', format: 'uuid' } as const;
/** A text filter PostgreSQL can compare: no U+0000 (lone surrogates arrive decoded as U+FFFD). */
export const NO_NUL = '^[^\\u0000]*$';
const targetName = { type: 'string', pattern: TARGET_NAME.source } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const fingerprint = { type: 'string', pattern: '^[0-9a-f]{16}$' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: uuid },
} as const;

export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: targetName },
} as const;

export const jobsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: JOB_STATES },
    priority: { type: 'string', enum: PRIORITIES },
    target: targetName,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

const dlqFilterProperties = {
  target: targetName,
  error_type: { type: 'string', enum: ERROR_TYPES },
  reason: { type: 'string', enum: FAILURE_REASONS },
  priority: { type: 'string', enum: PRIORITIES },
  replayed: { type: 'boolean' },
  possibly_delivered: { type: 'boolean' },
  fingerprint,
  failed_after: isoTime,
  failed_before: isoTime,
} as const;

export const dlqListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...dlqFilterProperties,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
    before: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export const bulkReplayBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    filters: { type: 'object', additionalProperties: false, properties: dlqFilterProperties },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    dry_run: { type: 'boolean', default: false },
    /** A previous run's `next_cursor` (replay-cursor.ts checks it, naming `body.after`). */
    after: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;

export const purgeQuery = {
  type: 'object',
  required: ['older_than'],
  additionalProperties: false,
  properties: {
    older_than: { type: 'string', minLength: 1, maxLength: PURGE_AGE_MAX_LENGTH },
  },
} as const;

/** `?force=true` replays a letter even when a newer state of its alert is known. */
export const replayQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    force: { type: 'boolean', default: false },
  },
} as const;

/** An alert's fingerprint: 16 lower-case hex digits, as Alertmanager prints them. */
export const fingerprintParams = {
  type: 'object',
  required: ['fingerprint'],
  properties: { fingerprint },
} as const;

export const alertsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    alertname: { type: 'string', minLength: 1, maxLength: 1000, pattern: NO_NUL },
    target: targetName,
    state: { type: 'string', enum: ALERT_STATUSES },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/** A route that takes no query: every key is a 400 naming it (query-rules.ts applies it). */
export const noQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {},
} as const;
