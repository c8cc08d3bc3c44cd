import type { Alert, AlertStatus } from './alert.js';

/**
 * A state of one alert as the latest-state rule compares them (docs/alert-state.md): when its
 * current occurrence started, and whether it is resolved. Alertmanager gives every new
 * occurrence of an alert a new `startsAt`, and a resolve keeps the `startsAt` of the firing it
 * ends.
 */
export interface AlertState {
  startsAtMs: number;
  status: AlertStatus;
}

export function alertStateOf(alert: Alert): AlertState {
  const startsAtMs = Date.parse(alert.startsAt);
  return { startsAtMs: Number.isNaN(startsAtMs) ? 0 : startsAtMs, status: alert.status };
}

/**
 * Orders two states of one alert: negative when `a` is older than `b`, 0 when they are the same
 * state, positive when `a` is newer. A later occurrence (startsAt) is newer; of one occurrence
 * the resolve is newer than the firing. The SQL upsert of publishing_alert_states orders rows
 * by the same pair, (starts_at, resolved) (src/history/alert-states-repository.ts).
 */
export function compareAlertStates(a: AlertState, b: AlertState): number {
  if (a.startsAtMs !== b.startsAtMs) return a.startsAtMs < b.startsAtMs ? -1 : 1;
  return rank(a.status) - rank(b.status);
}

function rank(status: AlertStatus): number {
  return status === 'resolved' ? 1 : 0;
}
