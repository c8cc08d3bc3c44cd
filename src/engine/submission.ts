import type { Priority, SubmissionResult } from '../domain/job.js';
import { PRIORITIES } from '../domain/job.js';
import { priorityOf } from '../domain/priority.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AdmissionPlan } from './admission.js';
import type { JobRequest, SubmitResult } from './publishing-engine.js';

/** A job request with its lane, before admission. */
export interface PreparedJob {
  request: JobRequest;
  target: string;
  priority: Priority;
}

/**
 * The front of submit() in both queue modes: every named target must be configured and
 * enabled (else nothing of the batch is queued), and each job gets its lane.
 */
export function prepareJobs(
  requests: readonly JobRequest[],
  isEnabled: (target: string) => boolean,
): PreparedJob[] | Extract<SubmitResult, { code: 'unknown_target' }> {
  const prepared: PreparedJob[] = [];
  for (const request of requests) {
    if (!isEnabled(request.target)) {
      return { ok: false, code: 'unknown_target', target: request.target };
    }
    prepared.push({
      request,
      target: request.target,
      priority: priorityOf(request.alert, request.classification),
    });
  }
  return prepared;
}

/** submissions_total for a batch, by lane. */
export function countSubmissions(
  metrics: Metrics,
  jobs: readonly PreparedJob[],
  result: SubmissionResult,
): void {
  const perLane: Record<Priority, number> = { high: 0, medium: 0, low: 0 };
  for (const job of jobs) perLane[job.priority] += 1;
  for (const priority of PRIORITIES) {
    if (perLane[priority] > 0) metrics.submissions.inc({ priority, result }, perLane[priority]);
  }
}

/** The caller's answer to a refused admission plan. */
export function refusalOf(
  plan: Extract<AdmissionPlan<unknown>, { ok: false }>,
  retryAfterMs: number,
): SubmitResult {
  if (plan.code === 'queue_full') return { ...plan, retryAfterMs };
  return plan;
}
