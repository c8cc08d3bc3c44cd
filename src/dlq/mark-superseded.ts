import type { Db } from '../db/db.js';
import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import { readAlertStates } from '../history/alert-states-repository.js';
import type { DlqEntry } from './dlq-entry.js';

/**
 * Sets `superseded` on each entry: true when a newer state of its alert was sent to its target
 * or is about to be (publishing_alert_states, the latest-state rule of docs/alert-state.md), so
 * replaying the letter would send an older state. One query per call.
 */
export async function markSuperseded(db: Db, entries: DlqEntry[]): Promise<DlqEntry[]> {
  const newest = await readAlertStates(
    db,
    entries.map((entry) => ({ target: entry.target_name, fingerprint: entry.fingerprint })),
  );
  for (const entry of entries) {
    const state = newest.get(`${entry.target_name}\u0000${entry.fingerprint}`);
    entry.superseded =
      state !== undefined &&
      compareAlertStates(state.state, alertStateOf(entry.enriched_alert.alert)) > 0;
  }
  return entries;
}
