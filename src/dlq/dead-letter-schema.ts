import { z } from 'zod';

import { ALERT_STATUSES, SEVERITIES } from '../domain/alert.js';
import type { DeadLetter } from '../domain/dead-letter.js';
import { ERROR_TYPES, FAILURE_REASONS } from '../domain/failure.js';
import { PRIORITIES } from '../domain/job.js';
import { TARGET_TYPES } from '../domain/target.js';

/** A DeadLetter as the journal stores it (one JSON object per line). */
const deadLetterSchema = z.object({
  jobId: z.string(),
  alert: z.object({
    status: z.enum(ALERT_STATUSES),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
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
  targetType: z.enum(TARGET_TYPES),
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

export function parseDeadLetter(line: string): DeadLetter | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error: unknown) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const result = deadLetterSchema.safeParse(json);
  if (!result.success) return undefined;
  const { submittedAt, ...letter } = result.data;
  return { ...letter, submittedAt: submittedAt ?? letter.failedAt };
}
