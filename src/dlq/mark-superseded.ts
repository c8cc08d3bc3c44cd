import type { Db } from '../db/db.js';
import type { AlertState } from '../domain/alert-state.js';
import { alertStateOf, compareAlertStates } from '../domain/alert-state.js';
import { readAlertStates } from '../history/alert-states-repository.js';
import type { DlqEntry } from './dlq-entry.js';

/**
 * Sets `superseded` on each entry: true when a newer state of its alert was sent or is about to
 * be sent to its target or to any of `targetNames` (the configured ones; publishing_alert_states,
 * the latest-state rule of docs/alert-state.md), so replaying the letter would send an older
 * state. The state belongs to the alert: a target removed or disabled meanwhile recorded none of
 * its newer states (newest-alert-state.ts). One query per call.
 */
export async function markSuperseded(
  db: Db,
  entries: DlqEntry[],
  targetNames: readonly string[] = [],
): Promise<DlqEntry[]> {
  const keys = new Map<string, { target: string; fingerprint: string }>();
  for (const entry of entries) {
    for (const target of [entry.target_name, ...targetNames]) {
      keys.set(`${target}\u0000${entry.fingerprint}`, { target, fingerprint: entry.fingerprint });
    }
  }
  const newest = new Map<string, AlertState>();
  for (const record of (await readAlertStates(db, [...keys.values()])).values()) {
    const known = newest.get(record.fingerprint);
    if (known === undefined || compareAlertStates(record.state, known) > 0) {
      newest.set(record.fingerprint, record.state);
    }
  }
  for (const entry of entries) {
    const state = newest.get(entry.fingerprint);
    entry.superseded =
      state !== undefined &&
      compareAlertStates(state, alertStateOf(entry.enriched_alert.alert)) > 0;
  }
  return entries;
}
