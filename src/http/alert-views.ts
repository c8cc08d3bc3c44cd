import { compareAlertStates } from '../domain/alert-state.js';
import type { DlqEntry } from '../dlq/dlq-entry.js';
import type { AlertStateRecord } from '../engine/alert-state-store.js';
import type { StateOfJob } from '../engine/supersession.js';
import type { AlertSummary } from '../history/alert-list.js';
import type { AlertTimeline, TargetTimeline } from '../history/alert-timeline.js';
import { iso, jobView } from './views.js';

/** Wire shapes of the alert routes (docs/api.md): jobs as the job API shows them, letters as the DLQ's. */

function stateView(newest: StateOfJob) {
  return {
    status: newest.state.status,
    starts_at: iso(newest.state.startsAtMs),
    job_id: newest.jobId,
  };
}

/** A dead letter without its alert and target config (the timeline names the alert once). */
function letterView(entry: DlqEntry) {
  return {
    id: entry.id,
    job_id: entry.job_id,
    failed_at: entry.failed_at,
    error_type: entry.error_type,
    error_reason: entry.error_reason,
    http_status: entry.http_status,
    error_message: entry.error_message,
    retry_count: entry.retry_count,
    possibly_delivered: entry.possibly_delivered,
    superseded: entry.superseded ?? false,
    replayed: entry.replayed,
    replayed_at: entry.replayed_at,
    replay_job_id: entry.replay_job_id,
    replay_result: entry.replay_result,
    replay_of: entry.replay_of,
    attempts: entry.attempts,
  };
}

function targetTimelineView(target: TargetTimeline) {
  return {
    target: target.target,
    newest_state: target.newestState === undefined ? null : stateView(target.newestState),
    jobs: target.jobs.map(jobView),
    dead_letters: target.letters.map(letterView),
    missing_jobs: target.missingJobs,
  };
}

export function alertTimelineView(timeline: AlertTimeline) {
  return {
    fingerprint: timeline.fingerprint,
    alertname: timeline.alertname,
    labels: timeline.labels ?? null,
    jobs_from: timeline.jobsFrom,
    complete: timeline.complete,
    targets: timeline.targets.map(targetTimelineView),
  };
}

function recordedStateView(record: AlertStateRecord) {
  return {
    target: record.target,
    ...stateView(record),
    updated_at: iso(record.at),
  };
}

/** An alert of the list; `status` and `starts_at` are those of its newest state on any target. */
export function alertSummaryView(alert: AlertSummary) {
  const newest = alert.states.reduce((a, b) => (compareAlertStates(b.state, a.state) > 0 ? b : a));
  return {
    fingerprint: alert.fingerprint,
    alertname: alert.alertname,
    labels: alert.labels,
    status: newest.state.status,
    starts_at: iso(newest.state.startsAtMs),
    updated_at: iso(alert.updatedAt),
    targets: alert.states.map(recordedStateView),
  };
}
