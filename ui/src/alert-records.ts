import { ApiError } from './api.js';
import type { Api } from './api.js';
import type { AlertSummary, AlertTimeline } from './schemas.js';
import { alertListSchema, alertTimelineSchema } from './schemas.js';

/** How many recent alerts the alerts page filters itself (a label, part of a name). */
export const SCAN_LIMIT = 1000;

export const ALERT_STATES = ['firing', 'resolved'] as const;

/** A whole fingerprint, lower-cased (the API's spelling), or undefined. */
export function fullFingerprint(q: string): string | undefined {
  const query = q.trim().toLowerCase();
  return /^[0-9a-f]{16}$/.test(query) ? query : undefined;
}

/**
 * `q` is the start of a fingerprint, `label=value`, or part of an alertname; an empty `q`
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
  const lower = query.toLowerCase();
  if (/^[0-9a-f]{4,16}$/.test(lower) && alert.fingerprint.startsWith(lower)) return true;
  return alert.alertname.toLowerCase().includes(lower);
}

export type AlertSearch =
  /** `scanned`: the API was asked for the recent alerts and they were filtered here. */
  | { kind: 'list'; alerts: AlertSummary[]; scanned: boolean }
  /** A whole fingerprint, looked up by itself; `timeline` undefined when none is recorded. */
  | { kind: 'fingerprint'; fingerprint: string; timeline: AlertTimeline | undefined };

/** `GET /alerts/{fingerprint}`, or undefined when the server knows no such alert (404). */
export async function findAlert(api: Api, fingerprint: string): Promise<AlertTimeline | undefined> {
  try {
    return await api.get(`/alerts/${encodeURIComponent(fingerprint)}`, alertTimelineSchema);
  } catch (error: unknown) {
    if (error instanceof ApiError && error.status === 404 && !error.isMissingRoute)
      return undefined;
    throw error;
  }
}

/**
 * `GET /alerts` (docs/api.md): a whole fingerprint is looked up by itself (however old the
 * alert), an exact alertname is the API's own filter; anything else (a label, the start of a
 * fingerprint, part of a name) filters the SCAN_LIMIT most recent alerts here.
 */
export async function searchAlerts(
  api: Api,
  q: string,
  state: string | undefined,
): Promise<AlertSearch> {
  const query = q.trim();
  const fingerprint = fullFingerprint(query);
  if (fingerprint !== undefined) {
    return { kind: 'fingerprint', fingerprint, timeline: await findAlert(api, fingerprint) };
  }
  if (query !== '' && !query.includes('=') && !/^[0-9a-f]{4,16}$/i.test(query)) {
    const exact = await api.get('/alerts', alertListSchema, { alertname: query, state });
    if (exact.alerts.length > 0) return { kind: 'list', alerts: exact.alerts, scanned: false };
  }
  if (query === '') {
    const recent = await api.get('/alerts', alertListSchema, { state });
    return { kind: 'list', alerts: recent.alerts, scanned: false };
  }
  const recent = await api.get('/alerts', alertListSchema, { state, limit: SCAN_LIMIT });
  return {
    kind: 'list',
    alerts: recent.alerts.filter((alert) => matches(alert, query)),
    scanned: true,
  };
}
