import * as z from 'zod/mini';

/**
 * Decoders of the API's answers (docs/api.md). Fields other work is adding (superseded,
 * possibly_delivered, skipped_superseded, …) are optional: the console shows them when the
 * server sends them. States and reasons stay strings so a newer server's values still render.
 */

const text = z.string();
const maybeText = z.nullable(z.string());
const count = z.number();

export type Decoder<T> = z.ZodMiniType<T>;

export const accessSchema = z.object({
  can_write: z.boolean(),
  auth_required: z.boolean(),
  write_rule: text,
});
export type Access = z.infer<typeof accessSchema>;

/** `GET /readyz` (200 or 503, the same body): `database` is ok, degraded (memory) or unavailable. */
export const readinessSchema = z.object({
  status: text,
  stopping: z.boolean(),
  mode: text,
  database: text,
});
export type Readiness = z.infer<typeof readinessSchema>;

const laneSchema = z.object({
  size: count,
  capacity: count,
  queued: count,
  retrying: count,
  failed: count,
  oldest_due_age_seconds: count,
  max_wait_seconds: z.optional(z.nullable(count)),
});
export type Lane = z.infer<typeof laneSchema>;

export const queueStatusSchema = z.object({
  lanes: z.object({ high: laneSchema, medium: laneSchema, low: laneSchema }),
  retrying: count,
  in_flight: count,
  workers: count,
  busy_workers: count,
  stopping: z.boolean(),
  instance: z.string(),
});
export type QueueStatus = z.infer<typeof queueStatusSchema>;

export const queueStatsSchema = z.object({
  submitted: count,
  succeeded: count,
  dead_lettered: count,
  retried: count,
  attempts: count,
  failed_attempts: count,
  success_rate: count,
});
export type QueueStats = z.infer<typeof queueStatsSchema>;

const bucketSchema = z.object({
  start: text,
  end: text,
  deliveries: count,
  failures: z.record(z.string(), count),
});
export type HistoryBucket = z.infer<typeof bucketSchema>;

export const historySchema = z.object({
  interval_seconds: count,
  window_seconds: count,
  buckets: z.array(bucketSchema),
});
export type History = z.infer<typeof historySchema>;

const targetSchema = z.object({
  name: text,
  type: text,
  enabled: z.boolean(),
  breaker_state: text,
  last_success_at: z.optional(maybeText),
  last_failure_at: z.optional(maybeText),
  config: z.record(z.string(), z.unknown()),
});
export type Target = z.infer<typeof targetSchema>;

export const targetsSchema = z.object({ targets: z.array(targetSchema) });

export const targetTestSchema = z.object({
  target: text,
  ok: z.boolean(),
  http_status: z.nullable(count),
  latency_ms: count,
  message: text,
});
export type TargetTest = z.infer<typeof targetTestSchema>;

const alertSchema = z.object({
  status: text,
  labels: z.record(z.string(), z.string()),
  annotations: z.optional(z.record(z.string(), z.string())),
  startsAt: z.optional(text),
  endsAt: z.optional(text),
  generatorURL: z.optional(text),
  fingerprint: text,
});
export type Alert = z.infer<typeof alertSchema>;

const attemptSchema = z.object({
  at: text,
  duration_ms: count,
  http_status: z.optional(count),
  reason: z.optional(text),
  message: z.optional(text),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const dlqEntrySchema = z.object({
  id: text,
  job_id: text,
  fingerprint: text,
  target_name: text,
  target_type: maybeText,
  enriched_alert: z.object({ alert: alertSchema, classification: z.optional(z.unknown()) }),
  target_config: z.record(z.string(), z.unknown()),
  error_message: text,
  error_type: text,
  error_reason: text,
  http_status: z.nullable(count),
  retry_count: count,
  last_retry_at: maybeText,
  priority: text,
  failed_at: text,
  replayed: z.boolean(),
  replayed_at: maybeText,
  replay_result: maybeText,
  replay_job_id: maybeText,
  replay_of: maybeText,
  possibly_delivered: z.optional(z.boolean()),
  superseded: z.optional(z.boolean()),
  superseded_by: z.optional(maybeText),
  /** Its job's last attempts, oldest first (empty when none was made or recorded). */
  attempts: z.optional(z.array(attemptSchema)),
});
export type DlqEntry = z.infer<typeof dlqEntrySchema>;

export const dlqPageSchema = z.object({
  entries: z.array(dlqEntrySchema),
  total: count,
  total_is_lower_bound: z.boolean(),
  next_cursor: maybeText,
});
export type DlqPage = z.infer<typeof dlqPageSchema>;

const groupSchema = z.object({ target: text, reason: text, count, replayed: count });
export type DlqGroup = z.infer<typeof groupSchema>;

export const dlqStatsSchema = z.object({
  total: count,
  replayed: count,
  by_target: z.record(z.string(), count),
  by_target_reason: z.optional(z.array(groupSchema)),
  oldest_failed_at: maybeText,
  newest_failed_at: maybeText,
});
export type DlqStats = z.infer<typeof dlqStatsSchema>;

export const bulkReplaySchema = z.object({
  matched: count,
  replayed: count,
  job_ids: z.array(text),
  dry_run: z.boolean(),
  skipped_superseded: z.optional(count),
  skipped_target_not_configured: z.optional(count),
  targets_not_configured: z.optional(z.array(text)),
  would_replay: z.optional(count),
  skipped_target_failing: z.optional(count),
  targets_failing: z.optional(z.array(text)),
  stopped: z.optional(z.nullable(text)),
  more_may_match: z.optional(z.boolean()),
  next_cursor: z.optional(z.nullable(text)),
});
export type BulkReplay = z.infer<typeof bulkReplaySchema>;

export const replayedSchema = z.object({ job_id: text });
export const purgedSchema = z.object({ deleted_count: count });

export const jobSchema = z.object({
  id: text,
  fingerprint: text,
  alertname: text,
  alert_status: text,
  alert_starts_at: z.optional(maybeText),
  target: text,
  priority: text,
  state: text,
  attempts: count,
  retries: count,
  submitted_at: text,
  updated_at: text,
  started_at: maybeText,
  completed_at: maybeText,
  next_attempt_at: maybeText,
  waiting_for_target: z.optional(z.boolean()),
  dead_letter_after: z.optional(maybeText),
  last_error: z.nullable(
    z.object({ type: text, reason: text, http_status: z.nullable(count), message: text }),
  ),
  replay_of: maybeText,
  superseded_by: z.optional(maybeText),
  attempt_history: z.optional(z.array(attemptSchema)),
});
export type Job = z.infer<typeof jobSchema>;

export const jobsSchema = z.object({ jobs: z.array(jobSchema) });

const labelsSchema = z.record(z.string(), z.string());

const recordedStateSchema = z.object({
  target: text,
  status: text,
  starts_at: text,
  job_id: text,
  updated_at: text,
});

const alertSummarySchema = z.object({
  fingerprint: text,
  alertname: text,
  labels: labelsSchema,
  status: text,
  starts_at: text,
  updated_at: text,
  targets: z.array(recordedStateSchema),
});
export type AlertSummary = z.infer<typeof alertSummarySchema>;

export const alertListSchema = z.object({ alerts: z.array(alertSummarySchema) });

/** A dead letter as the timeline shows it: without its alert and target config. */
const timelineLetterSchema = z.object({
  id: text,
  job_id: text,
  failed_at: text,
  error_type: text,
  error_reason: text,
  http_status: z.nullable(count),
  error_message: text,
  retry_count: count,
  possibly_delivered: z.boolean(),
  superseded: z.boolean(),
  replayed: z.boolean(),
  replayed_at: maybeText,
  replay_job_id: maybeText,
  replay_result: maybeText,
  replay_of: maybeText,
  attempts: z.array(attemptSchema),
});
export type TimelineLetter = z.infer<typeof timelineLetterSchema>;

const targetTimelineSchema = z.object({
  target: text,
  newest_state: z.nullable(z.object({ status: text, starts_at: text, job_id: text })),
  jobs: z.array(jobSchema),
  dead_letters: z.array(timelineLetterSchema),
  missing_jobs: z.array(text),
});
export type TargetTimeline = z.infer<typeof targetTimelineSchema>;

export const alertTimelineSchema = z.object({
  fingerprint: text,
  alertname: text,
  labels: z.nullable(labelsSchema),
  jobs_from: text,
  complete: z.boolean(),
  targets: z.array(targetTimelineSchema),
});
export type AlertTimeline = z.infer<typeof alertTimelineSchema>;

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: text, message: text }),
});
