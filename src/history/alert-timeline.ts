import type { JobSnapshot } from '../domain/job.js';
import type { DlqEntry } from '../dlq/dlq-entry.js';
import type { DlqOperations } from '../dlq/dlq-operations.js';
import type { AlertStateRecord } from '../engine/alert-state-store.js';
import { chainKey } from '../engine/alert-state-store.js';
import type { PublishingEngine } from '../engine/publishing-engine.js';
import type { StateOfJob } from '../engine/supersession.js';

/** The most jobs, and the most dead letters, one timeline shows: the newest. */
export const TIMELINE_LIMIT = 1000;

/**
 * Where the jobs of a timeline come from: memory mode keeps those of this process (a restart
 * leaves only the letters and the alert states), durable mode those of publishing_jobs.
 */
export const JOB_SOURCES = ['memory', 'database'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];

/** What a timeline reads; app.ts passes the real engine, DLQ and database. */
export interface TimelineSources {
  engine: Pick<PublishingEngine, 'jobsOf' | 'newestStates'>;
  dlq: Pick<DlqOperations, 'list'>;
  /** The recorded newest states of these (target, fingerprint) pairs (publishing_alert_states). */
  readStates(
    keys: ReadonlyArray<{ target: string; fingerprint: string }>,
  ): Promise<AlertStateRecord[]>;
  /** The configured targets. */
  targetNames(): readonly string[];
  jobsFrom: JobSource;
}

/** One target's part of a timeline. */
export interface TargetTimeline {
  target: string;
  /** The newest state sent or about to be (the latest-state rule), if one is known. */
  newestState?: StateOfJob;
  /** Oldest first. */
  jobs: JobSnapshot[];
  /** Oldest first. */
  letters: DlqEntry[];
  /** Jobs this timeline names (newest state, letters, replays, supersessions) but does not hold. */
  missingJobs: string[];
}

/** What happened to one alert, per target (docs/api.md, "Alert timeline"). */
export interface AlertTimeline {
  fingerprint: string;
  alertname: string;
  /** From the recorded state or a letter; unknown for a moment in memory mode (written behind). */
  labels?: Readonly<Record<string, string>>;
  jobsFrom: JobSource;
  /** No job it names is missing, and no limit cut jobs or letters. */
  complete: boolean;
  /** By target name. */
  targets: TargetTimeline[];
}

/**
 * Assembles the timeline of an alert from its jobs (engine), dead letters (DLQ) and recorded
 * states; undefined when none of them knows the fingerprint. The route and, through it, the
 * CLI and the console all read this one function. Costs one engine read, one DLQ page, one
 * state read and one newest-state lookup for the targets involved.
 */
export async function readAlertTimeline(
  sources: TimelineSources,
  fingerprint: string,
): Promise<AlertTimeline | undefined> {
  const [jobs, page] = await Promise.all([
    sources.engine.jobsOf(fingerprint, TIMELINE_LIMIT + 1),
    sources.dlq.list({ filter: { fingerprint }, limit: TIMELINE_LIMIT }),
  ]);
  const jobsCut = jobs.length > TIMELINE_LIMIT;
  if (jobsCut) jobs.splice(0, jobs.length - TIMELINE_LIMIT);
  const letters = [...page.entries].reverse();
  const lettersCut = page.total_is_lower_bound || page.total > letters.length;
  const seen = new Set([
    ...jobs.map((job) => job.target),
    ...letters.map((letter) => letter.target_name),
  ]);
  const recorded = await sources.readStates(
    [...new Set([...sources.targetNames(), ...seen])].map((target) => ({ target, fingerprint })),
  );
  for (const record of recorded) seen.add(record.target);
  if (seen.size === 0) return undefined;

  const names = [...seen].sort();
  const chains = names.map((target) => ({ target, fingerprint }));
  const newest = await sources.engine.newestStates(chains);
  const targets = chains.map((chain) =>
    targetTimeline(chain.target, newest.get(chainKey(chain)), jobs, letters),
  );
  const latest = [...recorded].sort((a, b) => b.at - a.at)[0];
  const labels = latest?.labels ?? letters.at(-1)?.enriched_alert.alert.labels;
  const timeline: AlertTimeline = {
    fingerprint,
    alertname: latest?.alertname ?? labels?.['alertname'] ?? jobs.at(-1)?.alertname ?? '',
    jobsFrom: sources.jobsFrom,
    complete: !jobsCut && !lettersCut && targets.every((t) => t.missingJobs.length === 0),
    targets,
  };
  if (labels !== undefined) timeline.labels = labels;
  return timeline;
}

function targetTimeline(
  target: string,
  newestState: StateOfJob | undefined,
  allJobs: readonly JobSnapshot[],
  allLetters: readonly DlqEntry[],
): TargetTimeline {
  const jobs = allJobs.filter((job) => job.target === target);
  const letters = allLetters.filter((letter) => letter.target_name === target);
  const named = [
    newestState?.jobId,
    ...jobs.map((job) => job.supersededBy),
    ...letters.flatMap((letter) => [letter.job_id, letter.replay_job_id]),
  ];
  const held = new Set(jobs.map((job) => job.id));
  const missingJobs = [
    ...new Set(named.filter((id): id is string => typeof id === 'string' && !held.has(id))),
  ];
  const timeline: TargetTimeline = { target, jobs, letters, missingJobs };
  if (newestState !== undefined) timeline.newestState = newestState;
  return timeline;
}
