/** The Alertmanager v4 alert as this service receives and forwards it (field names are Alertmanager's). */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface Alert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339 timestamps as Alertmanager writes them; endsAt is "0001-01-01T00:00:00Z" when unset. */
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  /** 16 lower-case hex digits; computed from the labels when the sender gave none (see fingerprint.ts). */
  fingerprint: string;
}

/**
 * What became of a received alert (alerts_received_total{result}). `truncated`: alerts
 * Alertmanager left out of a payload (`truncatedAlerts`, its max_alerts).
 */
export const ALERT_RESULTS = ['routed', 'unrouted', 'rejected', 'truncated'] as const;
export type AlertResult = (typeof ALERT_RESULTS)[number];

/** Optional classification given with the submit API. */
export const SEVERITIES = ['critical', 'warning', 'info', 'noise'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Classification {
  severity: Severity;
  /** 0..1 */
  confidence: number;
  reasoning: string;
  recommendations: string[];
}

export function alertName(alert: Alert): string {
  return alert.labels['alertname'] ?? '';
}

/**
 * The value of label `name`, own properties only: for an alert without a `constructor` or
 * `__proto__` label those are absent, not Object.prototype's members.
 */
export function labelValue(
  labels: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  return Object.hasOwn(labels, name) ? labels[name] : undefined;
}
