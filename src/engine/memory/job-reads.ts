import type { JobFilter, JobSnapshot } from '../../domain/job.js';
import { snapshotOf } from '../../domain/job.js';
import type { JobStatusStore } from '../../tracking/job-status-store.js';
import type { ActiveJob, TargetSlot } from './active-job.js';
import { shownJob } from './active-job.js';

/**
 * The job API's reads of the memory engine: its active jobs as they are now, the others from
 * the job-status store, each as the API shows it (shownJob: with its wait for a down target).
 */
export interface JobReads {
  statusStore: JobStatusStore;
  active: ReadonlyMap<string, ActiveJob>;
  slots: () => Iterable<TargetSlot>;
}

export function readJob(reads: JobReads, id: string): JobSnapshot | undefined {
  const job = reads.active.get(id);
  const snapshot = job === undefined ? reads.statusStore.get(id) : snapshotOf(job);
  return snapshot === undefined ? undefined : shownJob(snapshot, reads.active);
}

export function listJobs(reads: JobReads, filter: JobFilter): JobSnapshot[] {
  return reads.statusStore.list(filter).map((job) => shownJob(job, reads.active));
}

/**
 * From the status store, which tracks every job from admission; an active job it evicted
 * (more jobs waiting than tracking.capacity) is read from its chain. O(jobs of the alert).
 */
export function jobsOfAlert(reads: JobReads, fingerprint: string, limit: number): JobSnapshot[] {
  const jobs = reads.statusStore.ofFingerprint(fingerprint, limit);
  const held = new Set(jobs.map((job) => job.id));
  for (const slot of reads.slots()) {
    for (let job = slot.chains.get(fingerprint)?.head; job !== undefined; job = job.chainNext) {
      if (!held.has(job.id)) jobs.push(snapshotOf(job));
    }
  }
  const shown = jobs.map((job) => shownJob(job, reads.active));
  if (jobs.length === held.size) return shown;
  // Stable: jobs of one millisecond keep the store's (submission) order.
  return shown.sort((a, b) => a.submittedAt - b.submittedAt).slice(-limit);
}
