import { z } from 'zod';

import { FAILURE_REASONS } from './failure.js';
import type { AttemptRecord } from './job.js';

/**
 * An attempt as stored (publishing_jobs.attempt_log, publishing_dlq.attempts, the journal) and
 * as the API shows it: snake_case, the time ISO-8601 UTC, absent fields omitted.
 */
export interface AttemptJson {
  at: string;
  duration_ms: number;
  http_status?: number;
  reason?: string;
  message?: string;
}

export function attemptToJson(record: AttemptRecord): AttemptJson {
  const json: AttemptJson = {
    at: new Date(record.at).toISOString(),
    duration_ms: record.durationMs,
  };
  if (record.status !== undefined) json.http_status = record.status;
  if (record.reason !== undefined) json.reason = record.reason;
  if (record.message !== undefined) json.message = record.message;
  return json;
}

const storedAttempt = z.object({
  at: z.iso.datetime(),
  duration_ms: z.number(),
  http_status: z.number().int().optional(),
  reason: z.enum(FAILURE_REASONS).optional(),
  message: z.string().optional(),
});

/**
 * Reads stored attempts back; entries that are not attempts (hand-edited rows) are skipped.
 * Called per attempt and per finished job in durable mode: a job without attempts (null, as
 * stored at admission) costs no parse.
 */
export function attemptsFromJson(value: unknown): AttemptRecord[] {
  if (!Array.isArray(value) || value.length === 0) return [];
  const items: readonly unknown[] = value;
  const records: AttemptRecord[] = [];
  for (const item of items) {
    const parsed = storedAttempt.safeParse(item);
    if (!parsed.success) continue;
    const { at, duration_ms: durationMs, http_status: status, reason, message } = parsed.data;
    const record: AttemptRecord = { at: Date.parse(at), durationMs };
    if (status !== undefined) record.status = status;
    if (reason !== undefined) record.reason = reason;
    if (message !== undefined) record.message = message;
    records.push(record);
  }
  return records;
}
