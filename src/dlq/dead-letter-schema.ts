import { z } from 'zod';

import { ALERT_STATUSES, SEVERITIES } from '../domain/alert.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { PRIORITIES } from '../domain/job.js';
import { TARGET_TYPES } from '../domain/target.js';

/**
 * A map of strings taken as it is: z.record would copy it by assignment, and a `__proto__`
 * label (data since JSON.parse made it) would be lost.
 */
const stringMap = z.custom<Record<string, string>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string'),
  'expected an object of strings',
);

/** A DeadLetter as the journal stores it (one JSON object per line). */
const deadLetterSchema = z.object({
  jobId: z.string(),
  alert: z.object({
    status: z.enum(ALERT_STATUSES),
    labels: stringMap,
    annotations: stringMap,
    startsAt: z.string(),
    endsAt: z.string(),
    generatorURL: z.string(),
    fingerprint: z.string(),
  }),
  classification: z
    .object({
      severity: z.enum(SEVERITIES),
      confidence: z.number(),
      reasoning: z.string(),
      recommendations: z.array(z.string()),
    })
    .optional(),
  targetName: z.string(),
  targetType: z.enum(TARGET_TYPES).nullable(),
  targetConfig: z.record(z.string(), z.unknown()),
  priority: z.enum(PRIORITIES),
  errorType: z.enum(ERROR_TYPES),
  errorReason: z.enum(FAILURE_REASONS),
  httpStatus: z.number().int().optional(),
  errorMessage: z.string(),
  retryCount: z.number().int(),
  lastRetryAt: z.number().optional(),
  failedAt: z.number(),
  replayOf: z.string().optional(),
  // Journals written before these fields existed lack them.
  submittedAt: z.number().optional(),
  submitSeq: z.number().int().default(0),
  attempts: z
    .array(
      z.object({
        at: z.number(),
        durationMs: z.number(),
        status: z.number().int().optional(),
        reason: z.enum(FAILURE_REASONS).optional(),
        message: z.string().optional(),
      }),
    )
    .default([]),
  possiblyDelivered: z.boolean().optional(),
});

export type DeadLetterParse = { ok: true; letter: DeadLetter } | { ok: false; reason: string };

/** One journal line; the reason names the first problem (`alert.status: …`). */
export function parseDeadLetter(line: string): DeadLetterParse {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return { ok: false, reason: 'not JSON (a torn write?)' };
    throw error;
  }
  const result = deadLetterSchema.safeParse(json);
  if (result.success) {
    const { submittedAt, ...letter } = result.data;
    return { ok: true, letter: { ...letter, submittedAt: submittedAt ?? letter.failedAt } };
  }
  const [issue] = result.error.issues;
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  return { ok: false, reason: `${path === '' ? 'letter' : path}: ${issue?.message ?? 'invalid'}` };
}
