import type { Api } from './api.js';
import type { AlertSummary } from './schemas.js';
import { alertListSchema } from './schemas.js';

/** How many recent alerts the alerts page filters itself (a label, part of a name). */
export const SCAN_LIMIT = 1000;

export const ALERT_STATES = ['firing', 'resolved'] as const;

/**
 * `q` is a fingerprint (or its start), `label=value`, or part of an alertname; an empty `q`
 * matches every alert.
 */
export function matches(alert: AlertSummary, q: string): boolean {
  const query = q.trim();
  if (query === '') return true;
  const equals = query.indexOf('=');
  if (equals > 0) {
    const key = query.slice(0, equals).trim();
    const value = query
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return alert.labels[key] === value;
  }
  if (/^[0-9a-f]{4,16}$/.test(query) && alert.fingerprint.startsWith(query)) return true;
  return alert.alertname.toLowerCase().includes(query.toLowerCase());
}

export interface AlertSearch {
  alerts: AlertSummary[];
  /** The API was asked for the recent alerts and they were filtered here. */
  scanned: boolean;
}

/**
 * `GET /alerts` (docs/api.md): an exact alertname is the API's own filter; anything else (a
 * label, a fingerprint, part of a name) filters the SCAN_LIMIT most recent alerts here.
 */
export async function searchAlerts(
  api: Api,
  q: string,
  state: string | undefined,
): Promise<AlertSearch> {
  const query = q.trim();
  if (query !== '' && !query.includes('=') && !/^[0-9a-f]{4,16}$/.test(query)) {
    const exact = await api.get('/alerts', alertListSchema, { alertname: query, state });
    if (exact.alerts.length > 0) return { alerts: exact.alerts, scanned: false };
  }
  if (query === '') {
    const recent = await api.get('/alerts', alertListSchema, { state });
    return { alerts: recent.alerts, scanned: false };
  }
  const recent = await api.get('/alerts', alertListSchema, { state, limit: SCAN_LIMIT });
  return { alerts: recent.alerts.filter((alert) => matches(alert, query)), scanned: true };
}
