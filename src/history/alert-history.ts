import type { Db } from '../db/db.js';
import type { AlertListFilter, AlertSummary } from './alert-list.js';
import { listAlerts } from './alert-list.js';
import { readAlertStates } from './alert-states-repository.js';
import type { AlertTimeline, TimelineSources } from './alert-timeline.js';
import { readAlertTimeline } from './alert-timeline.js';

/** What the alert routes (and through them the CLI and the console) read (docs/api.md). */
export interface AlertHistory {
  list(filter: AlertListFilter): Promise<AlertSummary[]>;
  /** Undefined when no job, letter or recorded state knows the fingerprint. */
  timeline(fingerprint: string): Promise<AlertTimeline | undefined>;
}

export function createAlertHistory(
  db: Db,
  sources: Omit<TimelineSources, 'readStates'>,
): AlertHistory {
  const timelineSources: TimelineSources = {
    ...sources,
    readStates: async (keys) => [...(await readAlertStates(db, keys)).values()],
  };
  return {
    list: (filter) => listAlerts(db, filter),
    timeline: (fingerprint) => readAlertTimeline(timelineSources, fingerprint),
  };
}
