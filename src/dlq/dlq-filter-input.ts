import type { ErrorType, FailureReason } from '../domain/failure.js';
import type { Priority } from '../domain/job.js';
import type { DlqFilter } from './dlq-entry.js';

/** The filter fields as they arrive (query or bulk body); times are ISO-8601. */
export interface DlqFilterInput {
  target?: string;
  error_type?: ErrorType;
  reason?: FailureReason;
  priority?: Priority;
  replayed?: boolean;
  possibly_delivered?: boolean;
  fingerprint?: string;
  failed_after?: string;
  failed_before?: string;
}

export function toDlqFilter(input: DlqFilterInput): DlqFilter {
  const { failed_after, failed_before, ...rest } = input;
  const filter: DlqFilter = { ...rest };
  if (failed_after !== undefined) filter.failed_after = Date.parse(failed_after);
  if (failed_before !== undefined) filter.failed_before = Date.parse(failed_before);
  return filter;
}
