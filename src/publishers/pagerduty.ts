import type { PagerdutyTargetConfig } from '../config/targets.js';
import type { Alert, Classification } from '../domain/alert.js';
import type { Delivery, Publisher, PublishOutcome } from '../domain/publisher.js';
import type { SecretMask } from '../domain/secret-mask.js';
import { alertName, alertTitle, firstNonBlank } from './alert-text.js';
import { CUT_CHARS, fitJson } from './fit-json.js';
import type { HttpResponse } from './http-result.js';
import { snippet, statusOutcome, transportOutcome } from './outcome.js';
import type { PublisherDeps } from './publisher-deps.js';
import { truncate } from './truncate.js';

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-API-v2/trigger-events/,
 * PagerDuty/developer-docs docs/events-API-v2): POST {routing_key, event_action, dedup_key,
 * payload, links, client, client_url}; 202 accepted, 400 invalid event (`message`, `errors`),
 * 429 and 5xx retry. `dedup_key` is the alert fingerprint, so a resolve needs no local memory
 * and works after a restart; two targets sharing a routing key share the PagerDuty alert.
 */
export const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PdSeverity = (typeof PD_SEVERITIES)[number];

const SUMMARY_CHARS = 1024;
const DEDUP_KEY_CHARS = 255;
/**
 * PagerDuty refuses an event over 512 KB with a 400, which is final: past this many bytes the
 * annotations leave custom_details (then the labels too), as Alertmanager's own notifier does.
 */
export const MAX_EVENT_BYTES = 512_000;
const OVER_LIMIT = `the event exceeded PagerDuty's ${MAX_EVENT_BYTES / 1000} KB limit`;
const DETAILS_REMOVED = `details removed: ${OVER_LIMIT}`;
/**
 * Lengths used only by the last cut (fit-json.ts, CUT_CHARS), for the fields PagerDuty documents
 * no limit for (it documents summary's alone): the label values in source, class, component and
 * group are shortened, and a link with a longer href is dropped. What the last cut leaves is
 * bounded: ~5 KB of text fields and 4 links of 8 KB, under 250 KB with every character escaped.
 */
const FIELDS_CUT = `details removed, source, class, component and group shortened to ${CUT_CHARS.field} characters at most, links over ${CUT_CHARS.url} characters dropped: ${OVER_LIMIT}`;

/** Label and classification words → PagerDuty severity. Unknown words are ignored. */
const SEVERITY_WORDS: Readonly<Record<string, PdSeverity>> = {
  critical: 'critical',
  page: 'critical',
  error: 'error',
  high: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  low: 'info',
  noise: 'info',
  none: 'info',
};

/**
 * The more severe of the `severity` label and the classification (either saying critical
 * pages, like the priority rules); neither known → `error`, Alertmanager's own PagerDuty
 * default.
 */
export function pdSeverity(alert: Alert, classification?: Classification): PdSeverity {
  const fromLabel = SEVERITY_WORDS[(alert.labels['severity'] ?? '').toLowerCase()];
  const fromClass = SEVERITY_WORDS[(classification?.severity ?? '').toLowerCase()];
  const known = [fromLabel, fromClass].filter((s): s is PdSeverity => s !== undefined);
  if (known.length === 0) return 'error';
  return known.reduce((a, b) => (PD_SEVERITIES.indexOf(a) <= PD_SEVERITIES.indexOf(b) ? a : b));
}

const LINK_ANNOTATIONS: ReadonlyArray<[string, string]> = [
  ['runbook_url', 'Runbook'],
  ['dashboard_url', 'Dashboard'],
  ['grafana_url', 'Grafana'],
];

function links(alert: Alert): Array<{ href: string; text: string }> {
  const found: Array<{ href: string; text: string }> = [];
  for (const [key, text] of LINK_ANNOTATIONS) {
    const href = alert.annotations[key];
    if (href !== undefined && isWebUrl(href)) found.push({ href, text });
  }
  if (isWebUrl(alert.generatorURL)) found.push({ href: alert.generatorURL, text: 'Source' });
  return found;
}

/** Only http(s) links are sent: a `javascript:` runbook URL would be a link in PagerDuty's UI. */
function isWebUrl(href: string): boolean {
  return /^https?:\/\//i.test(href);
}

/** How the last cut shortens a field and which links it keeps; the other bodies keep all. */
interface FieldCut {
  text: (value: string) => string;
  keepsLink: (href: string) => boolean;
}
const UNCUT: FieldCut = { text: (value) => value, keepsLink: () => true };
const LAST_CUT: FieldCut = {
  text: (value) => truncate(value, CUT_CHARS.field),
  keepsLink: (href) => href.length <= CUT_CHARS.url,
};

/**
 * The trigger event's JSON: custom_details carry labels, annotations and classification, cut
 * down (fit-json.ts) to the labels, then to nothing but a note, until it fits MAX_EVENT_BYTES;
 * the last cut also bounds the label-made fields and links (LAST_CUT). `dedup_key` is never
 * cut, so the resolve still finds the incident.
 */
function triggerBody(config: PagerdutyTargetConfig, d: Delivery, dedupKey: string): string {
  const { alert } = d;
  const withDetails = (details: Record<string, unknown>, cut: FieldCut = UNCUT) =>
    triggerEvent(config, d, dedupKey, details, cut);
  const details = {
    labels: alert.labels,
    annotations: alert.annotations,
    ...(d.classification === undefined ? {} : { classification: d.classification }),
  };
  return fitJson(
    withDetails(details),
    [
      () => withDetails({ labels: alert.labels, note: DETAILS_REMOVED }),
      () => withDetails({ note: FIELDS_CUT }, LAST_CUT),
    ],
    MAX_EVENT_BYTES,
  );
}

function triggerEvent(
  config: PagerdutyTargetConfig,
  d: Delivery,
  dedupKey: string,
  customDetails: Record<string, unknown>,
  cut: FieldCut,
): Record<string, unknown> {
  const { alert } = d;
  const name = alertName(alert);
  // PagerDuty refuses a blank source or summary with a 400 (final): blank labels are skipped.
  const source = firstNonBlank(
    [config.source, alert.labels['instance'], alert.labels['job']],
    'alert-publisher',
  );
  const payload: Record<string, unknown> = {
    summary: truncate(alertTitle(alert), SUMMARY_CHARS),
    source: cut.text(source),
    severity: pdSeverity(alert, d.classification),
    timestamp: alert.startsAt,
    class: cut.text(name),
    custom_details: customDetails,
  };
  const component = firstNonBlank([alert.labels['component'], alert.labels['service']], '');
  if (component !== '') payload['component'] = cut.text(component);
  const group = firstNonBlank(
    [alert.labels['group'], alert.labels['team'], alert.labels['job']],
    '',
  );
  if (group !== '') payload['group'] = cut.text(group);
  const event: Record<string, unknown> = {
    routing_key: config.routing_key,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload,
    links: links(alert).filter((link) => cut.keepsLink(link.href)),
    client: config.client,
  };
  if (config.client_url !== undefined) event['client_url'] = config.client_url;
  return event;
}

/** PagerDuty's 400 body: {"status": "invalid event", "message": "...", "errors": ["..."]}. */
function errorDetail(response: HttpResponse, mask: SecretMask): string {
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (typeof parsed === 'object' && parsed !== null) {
      const message: unknown = Reflect.get(parsed, 'message');
      const errors: unknown = Reflect.get(parsed, 'errors');
      const parts = [typeof message === 'string' ? message : ''];
      if (Array.isArray(errors)) parts.push(...errors.filter((e) => typeof e === 'string'));
      const text = parts.filter((p) => p !== '').join('; ');
      if (text !== '') return snippet(`PagerDuty: ${text}`, mask);
    }
  } catch {
    // Not JSON (a proxy's error page): fall back to the raw start of the body.
  }
  return snippet(response.body, mask);
}

function responseOutcome(response: HttpResponse, nowMs: number, mask: SecretMask): PublishOutcome {
  const detail = errorDetail(response, mask);
  const outcome = statusOutcome(response, nowMs, () => detail);
  if (outcome.ok) return { ok: true, status: response.status, message: detail };
  // PagerDuty answers 400 only for an event it cannot accept: retrying the same body fails again.
  if (response.status === 400) return { ...outcome, reason: 'invalid_payload' };
  return outcome;
}

export function createPagerdutyPublisher(
  config: PagerdutyTargetConfig,
  deps: PublisherDeps,
): Publisher {
  const headers = { 'content-type': 'application/json' };
  return {
    async publish(delivery, signal) {
      const dedupKey = delivery.alert.fingerprint.slice(0, DEDUP_KEY_CHARS);
      const body =
        delivery.alert.status === 'resolved'
          ? JSON.stringify({
              routing_key: config.routing_key,
              event_action: 'resolve',
              dedup_key: dedupKey,
            })
          : triggerBody(config, delivery, dedupKey);
      const result = await deps.http.send({
        method: 'POST',
        url: config.url,
        headers,
        body,
        signal,
        timeoutMs: config.timeout,
      });
      if (!result.ok) return transportOutcome(result.failure, 'PagerDuty request failed');
      return responseOutcome(result.response, deps.clock.now(), deps.mask);
    },
    close: () => Promise.resolve(),
  };
}
