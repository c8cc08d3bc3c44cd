import { formatTime } from './format.js';
import type { Job } from './schemas.js';

/**
 * What a job waiting for its down target past its retries says of it (docs/how-it-works.md,
 * Retries): the time it becomes a dead letter if the target stays down. Empty for other jobs.
 */
export function targetWaitText(job: Pick<Job, 'waiting_for_target' | 'dead_letter_after'>): string {
  if (job.waiting_for_target !== true) return '';
  return `waiting for target, dead letter after ${formatTime(job.dead_letter_after)}`;
}
