import type { Db } from '../db/db.js';
import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import { readAlertStates } from '../history/alert-states-repository.js';
import type { DlqEntry } from './dlq-entry.js';
import { chainsOfAlerts, newestOfAlerts } from './newest-alert-state.js';

/**
 * Sets `superseded` on each entry: true when a newer state of its alert was sent or is about to
 * be sent to its target or to any of `targetNames` (the configured ones; publishing_alert_states,
 * the latest-state rule of docs/alert-state.md), so replaying the letter would send an older
 * state. The state belongs to the alert: a target removed or disabled meanwhile recorded none of
 * its newer states (newest-alert-state.ts, whose rule this applies). One query per call.
 */
export async function markSuperseded(
  db: Db,
  entries: DlqEntry[],
  targetNames: readonly string[] = [],
): Promise<DlqEntry[]> {
  const chains = chainsOfAlerts(
    entries.map((entry) => ({ target: entry.target_name, fingerprint: entry.fingerprint })),
    targetNames,
  );
  const newest = newestOfAlerts(chains, await readAlertStates(db, chains));
  for (const entry of entries) {
    const state = newest.get(entry.fingerprint)?.state;
    entry.superseded =
      state !== undefined &&
      compareAlertStates(state, alertStateOf(entry.enriched_alert.alert)) > 0;
  }
  return entries;
}
