import type { Api } from './api.js';
import { ApiError } from './api.js';
import type { DlqEntry, Job, LooseObject } from './schemas.js';
import { alertListSchema, dlqPageSchema, jobsSchema, looseObjectSchema } from './schemas.js';

/** How far back the console looks when the server has no alert API of its own. */
export const SCAN_LIMIT = 1000;

export interface AlertSummary {
  fingerprint: string;
  alertname: string;
  labels: Record<string, string>;
  targets: string[];
  jobs: number;
  letters: number;
  latestState: string;
  lastSeen: string;
}

export type AlertSearch =
  { source: 'api'; alerts: AlertSummary[] } | { source: 'scan'; alerts: AlertSummary[] };

function stringField(record: LooseObject, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}

function labelsOf(record: LooseObject): Record<string, string> {
  const value = record['labels'];
  const labels: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return labels;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') labels[key] = item;
  return labels;
}

/** An item of `GET /alerts` read loosely: the fields the list shows, when present. */
function summaryFromApi(record: LooseObject): AlertSummary {
  const targets = record['targets'];
  return {
    fingerprint: stringField(record, 'fingerprint'),
    alertname: stringField(record, 'alertname') || (labelsOf(record)['alertname'] ?? ''),
    labels: labelsOf(record),
    targets: Array.isArray(targets)
      ? targets.filter((t): t is string => typeof t === 'string')
      : [],
    jobs: 0,
    letters: 0,
    latestState: stringField(record, 'state') || stringField(record, 'status'),
    lastSeen: stringField(record, 'updated_at') || stringField(record, 'last_seen_at'),
  };
}

/** Jobs and letters grouped by fingerprint, most recently seen first. */
export function summarise(jobs: readonly Job[], letters: readonly DlqEntry[]): AlertSummary[] {
  const byFingerprint = new Map<string, AlertSummary>();
  const summaryOf = (fingerprint: string, alertname: string): AlertSummary => {
    let summary = byFingerprint.get(fingerprint);
    if (summary === undefined) {
      summary = {
        fingerprint,
        alertname,
        labels: {},
        targets: [],
        jobs: 0,
        letters: 0,
        latestState: '',
        lastSeen: '',
      };
      byFingerprint.set(fingerprint, summary);
    }
    return summary;
  };
  const seen = (summary: AlertSummary, at: string, state: string, target: string): void => {
    if (!summary.targets.includes(target)) summary.targets.push(target);
    if (at > summary.lastSeen) {
      summary.lastSeen = at;
      summary.latestState = state;
    }
  };
  for (const job of jobs) {
    const summary = summaryOf(job.fingerprint, job.alertname);
    summary.jobs += 1;
    seen(summary, job.updated_at, job.state, job.target);
  }
  for (const letter of letters) {
    const alert = letter.enriched_alert.alert;
    const summary = summaryOf(letter.fingerprint, alert.labels['alertname'] ?? '');
    summary.letters += 1;
    summary.labels = alert.labels;
    seen(summary, letter.failed_at, 'dead letter', letter.target_name);
  }
  return [...byFingerprint.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
}

/**
 * `q` is a fingerprint (or its start), `label=value`, or part of an alertname. Jobs carry no
 * labels, so a label matches through the letters of that alert only.
 */
export function matches(summary: AlertSummary, q: string): boolean {
  const query = q.trim();
  if (query === '') return true;
  const equals = query.indexOf('=');
  if (equals > 0) {
    const key = query.slice(0, equals).trim();
    const value = query
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return summary.labels[key] === value;
  }
  if (/^[0-9a-f]{4,16}$/.test(query) && summary.fingerprint.startsWith(query)) return true;
  return summary.alertname.toLowerCase().includes(query.toLowerCase());
}

export async function scanRecords(api: Api): Promise<{ jobs: Job[]; letters: DlqEntry[] }> {
  const [jobs, letters] = await Promise.all([
    api.get('/queue/jobs', jobsSchema, { limit: SCAN_LIMIT }),
    api.get('/dlq', dlqPageSchema, { limit: SCAN_LIMIT }),
  ]);
  return { jobs: jobs.jobs, letters: letters.entries };
}

/** Uses `GET /alerts` when the server has it; otherwise scans recent jobs and letters. */
export async function searchAlerts(api: Api, q: string): Promise<AlertSearch> {
  const plain = q.trim() !== '' && !q.includes('=') && !/^[0-9a-f]{16}$/.test(q.trim());
  try {
    const answer = await api.get('/alerts', alertListSchema, {
      alertname: plain ? q.trim() : undefined,
      limit: 100,
    });
    return {
      source: 'api',
      alerts: answer.alerts.map(summaryFromApi).filter((s) => matches(s, q)),
    };
  } catch (error: unknown) {
    if (!(error instanceof ApiError) || !error.isMissingRoute) throw error;
  }
  const { jobs, letters } = await scanRecords(api);
  return { source: 'scan', alerts: summarise(jobs, letters).filter((s) => matches(s, q)) };
}

export type TimelineAnswer =
  { kind: 'timeline'; value: LooseObject } | { kind: 'no-api' } | { kind: 'unknown' };

/** `GET /alerts/{fingerprint}` of the alert-state work, if this server has it. */
export async function timelineOf(api: Api, fingerprint: string): Promise<TimelineAnswer> {
  try {
    return {
      kind: 'timeline',
      value: await api.get(`/alerts/${encodeURIComponent(fingerprint)}`, looseObjectSchema),
    };
  } catch (error: unknown) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return error.isMissingRoute ? { kind: 'no-api' } : { kind: 'unknown' };
  }
}

export async function recordsOf(
  api: Api,
  fingerprint: string,
): Promise<{ jobs: Job[]; letters: DlqEntry[] }> {
  const [jobs, letters] = await Promise.all([
    api.get('/queue/jobs', jobsSchema, { limit: SCAN_LIMIT }),
    api.get('/dlq', dlqPageSchema, { fingerprint, limit: SCAN_LIMIT }),
  ]);
  return {
    jobs: jobs.jobs.filter((job) => job.fingerprint === fingerprint),
    letters: letters.entries,
  };
}
