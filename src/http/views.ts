import { attemptToJson } from '../domain/attempt-json.js';
import type { JobSnapshot, Priority } from '../domain/job.js';
import type { LaneStatus, QueueStats, QueueStatus } from '../engine/publishing-engine.js';
import type { TargetTestResult, TargetView } from './ports.js';

/** Wire shapes: snake_case names, ISO-8601 UTC times (the engine keeps epoch ms). */

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function optionalIso(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : iso(epochMs);
}

export function jobView(job: JobSnapshot) {
  return {
    id: job.id,
    fingerprint: job.fingerprint,
    alertname: job.alertname,
    alert_status: job.alertStatus,
    alert_starts_at: optionalIso(job.alertStartsAt),
    target: job.target,
    priority: job.priority,
    state: job.state,
    attempts: job.attempts,
    retries: job.retries,
    submitted_at: iso(job.submittedAt),
    updated_at: iso(job.updatedAt),
    started_at: optionalIso(job.startedAt),
    completed_at: optionalIso(job.completedAt),
    next_attempt_at: optionalIso(job.nextAttemptAt),
    waiting_for_target: job.deadLetterAfter !== undefined,
    dead_letter_after: optionalIso(job.deadLetterAfter),
    last_error:
      job.lastError === undefined
        ? null
        : {
            type: job.lastError.type,
            reason: job.lastError.reason,
            http_status: job.lastError.status ?? null,
            message: job.lastError.message,
          },
    replay_of: job.replayOf ?? null,
    superseded_by: job.supersededBy ?? null,
    attempt_history: job.history.map(attemptToJson),
  };
}

function laneView(lane: LaneStatus, maxWaitMs: number | undefined) {
  return {
    size: lane.size,
    capacity: lane.capacity,
    queued: lane.queued,
    retrying: lane.retrying,
    failed: lane.failed,
    oldest_due_age_seconds: lane.oldestDueAgeMs / 1000,
    /** The lane's aging bound (queue.max_wait); null for high, which needs none. */
    max_wait_seconds: maxWaitMs === undefined ? null : maxWaitMs / 1000,
  };
}

export function queueStatusView(status: QueueStatus, maxWaitMs: Partial<Record<Priority, number>>) {
  return {
    lanes: {
      high: laneView(status.lanes.high, maxWaitMs.high),
      medium: laneView(status.lanes.medium, maxWaitMs.medium),
      low: laneView(status.lanes.low, maxWaitMs.low),
    },
    retrying: status.retrying,
    in_flight: status.inFlight,
    workers: status.workers,
    busy_workers: status.busyWorkers,
    stopping: status.stopping,
    instance: status.instance,
  };
}

export function queueStatsView(stats: QueueStats) {
  const breakers: Record<
    string,
    { state: string; consecutive_failures: number; opened_at: string | null }
  > = {};
  for (const [name, breaker] of Object.entries(stats.breakers)) {
    breakers[name] = {
      state: breaker.state,
      consecutive_failures: breaker.consecutiveFailures,
      opened_at: optionalIso(breaker.openedAt),
    };
  }
  return {
    submitted: stats.submitted,
    succeeded: stats.succeeded,
    dead_lettered: stats.deadLettered,
    superseded: stats.superseded,
    retried: stats.retried,
    attempts: stats.attempts,
    failed_attempts: stats.failedAttempts,
    success_rate: stats.successRate,
    dead_lettered_by_reason: stats.deadLetteredByReason,
    breakers,
  };
}

export function targetView(target: TargetView) {
  return {
    name: target.name,
    type: target.type,
    enabled: target.enabled,
    breaker_state: target.breaker,
    breaker_opened_at: optionalIso(target.breakerOpenedAt),
    active_jobs: target.activeJobs,
    oldest_job_age_seconds:
      target.oldestJobAgeMs === undefined ? null : target.oldestJobAgeMs / 1000,
    rate_limit:
      target.rateLimit === undefined
        ? null
        : { per_second: target.rateLimit.perSecond, burst: target.rateLimit.burst },
    current_rate_per_second: target.currentRate ?? null,
    resend_after_seconds: target.resendAfterMs === undefined ? null : target.resendAfterMs / 1_000,
    last_success_at: optionalIso(target.lastSuccessAt),
    last_failure_at: optionalIso(target.lastFailureAt),
    config: target.config,
  };
}

export function targetTestView(name: string, result: TargetTestResult) {
  return {
    target: name,
    ok: result.ok,
    http_status: result.status,
    latency_ms: result.latencyMs,
    message: result.message,
  };
}
