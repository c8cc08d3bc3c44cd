// Kept (issue #13) for memory, not CPU: without it (plain snapshots in a Map used as the
// LRU, ids by fingerprint in arrays) engine-post CPU/job goes from 66.6 to 65.7 µs (-1.4%),
// but the store for 10 000 tracked jobs with 1 attempt each holds 6.53 MB instead of 4.88 MB
// (5.12 MB even with no fingerprint index), over the 5 MB goal of docs/benchmarks.md; with 4
// attempts each 9.04 MB instead of 7.40 MB. Measured 2026-12-07 (`npm run bench --
// status-store`, STATUS_ATTEMPTS=1 and 4; engine-post A/B in one process, load 3.5-4.6).
import type { AlertStatus } from '../domain/alert.js';
import type { AttemptRecord, JobError, JobSnapshot, JobState, Priority } from '../domain/job.js';

/** Stands for an absent optional time; never a clock reading. */
const ABSENT = Number.NaN;

/** Shared by every slot without attempts: no array per queued or superseded job. */
const NO_ATTEMPTS: readonly AttemptRecord[] = Object.freeze([]);

const timeOrAbsent = (time: number | undefined): number => time ?? ABSENT;

/**
 * Job snapshots stored by slot, one array per field: a stored snapshot is a row of array
 * cells, not an object. Times sit unboxed in double arrays, so a row holds no objects of its
 * own (its strings are the job's); a retained object per field would cost the collector a
 * copy or two per job while the store keeps the last 10 000. A JobSnapshot is made again on
 * read. Slots are appended in order (0, 1, 2, …) and then rewritten in place.
 */
export class SnapshotColumns {
  private readonly fingerprints: string[] = [];
  private readonly alertnames: string[] = [];
  private readonly alertStatuses: AlertStatus[] = [];
  private readonly alertStartsAt: number[] = [];
  readonly targets: string[] = [];
  readonly priorities: Priority[] = [];
  readonly states: JobState[] = [];
  private readonly attempts: number[] = [];
  private readonly retries: number[] = [];
  private readonly submittedAt: number[] = [];
  private readonly updatedAt: number[] = [];
  private readonly startedAt: number[] = [];
  private readonly completedAt: number[] = [];
  private readonly nextAttemptAt: number[] = [];
  private readonly lastErrors: Array<JobError | undefined> = [];
  private readonly replaysOf: Array<string | undefined> = [];
  private readonly supersededBy: Array<string | undefined> = [];
  private readonly histories: Array<readonly AttemptRecord[]> = [];

  /** The fingerprint last written at `slot`. */
  fingerprintAt(slot: number): string {
    return this.fingerprints[slot] ?? '';
  }

  /** The next slot, holding placeholder values until written. */
  append(): void {
    this.fingerprints.push('');
    this.alertnames.push('');
    this.alertStatuses.push('firing');
    this.alertStartsAt.push(ABSENT);
    this.targets.push('');
    this.priorities.push('medium');
    this.states.push('queued');
    this.attempts.push(0);
    this.retries.push(0);
    this.submittedAt.push(ABSENT);
    this.updatedAt.push(ABSENT);
    this.startedAt.push(ABSENT);
    this.completedAt.push(ABSENT);
    this.nextAttemptAt.push(ABSENT);
    this.lastErrors.push(undefined);
    this.replaysOf.push(undefined);
    this.supersededBy.push(undefined);
    this.histories.push(NO_ATTEMPTS);
  }

  write(slot: number, snapshot: JobSnapshot): void {
    this.fingerprints[slot] = snapshot.fingerprint;
    this.alertnames[slot] = snapshot.alertname;
    this.alertStatuses[slot] = snapshot.alertStatus;
    this.alertStartsAt[slot] = timeOrAbsent(snapshot.alertStartsAt);
    this.targets[slot] = snapshot.target;
    this.priorities[slot] = snapshot.priority;
    this.states[slot] = snapshot.state;
    this.attempts[slot] = snapshot.attempts;
    this.retries[slot] = snapshot.retries;
    this.submittedAt[slot] = snapshot.submittedAt;
    this.updatedAt[slot] = snapshot.updatedAt;
    this.startedAt[slot] = timeOrAbsent(snapshot.startedAt);
    this.completedAt[slot] = timeOrAbsent(snapshot.completedAt);
    this.nextAttemptAt[slot] = timeOrAbsent(snapshot.nextAttemptAt);
    this.lastErrors[slot] = snapshot.lastError;
    this.replaysOf[slot] = snapshot.replayOf;
    this.supersededBy[slot] = snapshot.supersededBy;
    this.histories[slot] = snapshot.history.length === 0 ? NO_ATTEMPTS : snapshot.history;
  }

  /** The snapshot written at `slot` under `id`, with the optional fields that were present. */
  read(slot: number, id: string): JobSnapshot {
    const snapshot: JobSnapshot = {
      id,
      fingerprint: this.fingerprints[slot] ?? '',
      alertname: this.alertnames[slot] ?? '',
      alertStatus: this.alertStatuses[slot] ?? 'firing',
      target: this.targets[slot] ?? '',
      priority: this.priorities[slot] ?? 'medium',
      state: this.states[slot] ?? 'queued',
      attempts: this.attempts[slot] ?? 0,
      retries: this.retries[slot] ?? 0,
      submittedAt: this.submittedAt[slot] ?? ABSENT,
      updatedAt: this.updatedAt[slot] ?? ABSENT,
      history: this.histories[slot] ?? NO_ATTEMPTS,
    };
    const alertStartsAt = this.alertStartsAt[slot] ?? ABSENT;
    if (!Number.isNaN(alertStartsAt)) snapshot.alertStartsAt = alertStartsAt;
    const startedAt = this.startedAt[slot] ?? ABSENT;
    if (!Number.isNaN(startedAt)) snapshot.startedAt = startedAt;
    const completedAt = this.completedAt[slot] ?? ABSENT;
    if (!Number.isNaN(completedAt)) snapshot.completedAt = completedAt;
    const nextAttemptAt = this.nextAttemptAt[slot] ?? ABSENT;
    if (!Number.isNaN(nextAttemptAt)) snapshot.nextAttemptAt = nextAttemptAt;
    const lastError = this.lastErrors[slot];
    if (lastError !== undefined) snapshot.lastError = lastError;
    const replayOf = this.replaysOf[slot];
    if (replayOf !== undefined) snapshot.replayOf = replayOf;
    const supersededBy = this.supersededBy[slot];
    if (supersededBy !== undefined) snapshot.supersededBy = supersededBy;
    return snapshot;
  }
}
