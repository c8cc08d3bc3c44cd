import type { Alert } from '../domain/alert.js';
import type { ErrorDetail } from '../domain/errors.js';
import { isPlainObject, parseAlert, ZERO_TIME } from './alert-fields.js';

/**
 * An Alertmanager webhook body (version "4": groupKey, truncatedAlerts, status, receiver,
 * groupLabels, commonLabels, commonAnnotations, externalURL, alerts[]). Only `version` and
 * `alerts` are checked: the group fields are not used, and unknown fields are accepted so a
 * newer Alertmanager is not refused. Each alert is validated on its own: invalid ones are
 * `rejected` with a reason, the valid ones go on.
 */
export interface RejectedAlert {
  index: number;
  /** `alerts[3].labels.alertname: required` */
  reason: string;
}

export type WebhookPayloadParse =
  | {
      ok: true;
      alerts: Alert[];
      rejected: RejectedAlert[];
      /** `truncatedAlerts`: alerts Alertmanager left out of this payload (its max_alerts). */
      truncated: number;
    }
  | { ok: false; details: ErrorDetail[] };

/** The 400 answer lists at most this many problems (a body may hold thousands of alerts). */
const MAX_DETAILS = 100;

/** `receivedAt` (RFC 3339) stands in for a missing `startsAt`, as Alertmanager's API does. */
export function parseWebhookPayload(
  body: unknown,
  receivedAt: string = ZERO_TIME,
): WebhookPayloadParse {
  if (!isPlainObject(body)) {
    return invalid('', 'expected a JSON object: an Alertmanager webhook payload');
  }
  const version = body['version'];
  if (version !== undefined && version !== '4') {
    return invalid('version', `unsupported version ${JSON.stringify(version)}: expected "4"`);
  }
  const items = body['alerts'];
  if (!Array.isArray(items)) {
    return invalid('alerts', items === undefined ? 'required' : 'expected a list');
  }
  if (items.length === 0) return invalid('alerts', 'must contain at least one alert');

  const alerts: Alert[] = [];
  const rejected: RejectedAlert[] = [];
  const problems: ErrorDetail[] = [];
  const defaults = { startsAt: receivedAt };
  for (let index = 0; index < items.length; index++) {
    const parsed = parseAlert(items[index], `alerts[${index}]`, defaults);
    if (parsed.ok) {
      alerts.push(parsed.alert);
    } else {
      problems.push(parsed.problem);
      rejected.push({ index, reason: `${parsed.problem.path}: ${parsed.problem.message}` });
    }
  }
  if (alerts.length === 0) {
    const details = problems.slice(0, MAX_DETAILS);
    if (problems.length > MAX_DETAILS) {
      details.push({
        path: 'alerts',
        message: `${problems.length - MAX_DETAILS} more invalid alerts`,
      });
    }
    return { ok: false, details };
  }
  return { ok: true, alerts, rejected, truncated: truncatedOf(body['truncatedAlerts']) };
}

/** A count Alertmanager sends; anything else is not one (unknown shapes are accepted, not used). */
function truncatedOf(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function invalid(path: string, message: string): WebhookPayloadParse {
  return { ok: false, details: [{ path, message }] };
}
