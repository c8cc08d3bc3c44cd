import type { RootlyTargetConfig } from '../config/targets.js';
import type { Delivery } from '../domain/publisher.js';
import { alertName, alertSummary, alertTitle, firstNonBlank } from './alert-text.js';
import { CUT_CHARS, fitJson } from './fit-json.js';
import { truncate } from './truncate.js';

/**
 * Rootly documents no size limit for POST /v1/alerts, yet answers a body it will not take with
 * a 4xx (413, 422), which is final: the alert would be dead-lettered. So alert-publisher keeps
 * each body within its own bound, the 512 KB PagerDuty documents (docs/targets.md, "rootly").
 */
export const MAX_ALERT_BYTES = 512_000;
/** Rootly's `source` attribute for every alert sent; the configured `source` goes in `data`. */
const ROOTLY_SOURCE = 'alertmanager';
/** Per-field lengths (UTF-16 units) used only once a body is over MAX_ALERT_BYTES. */
export const ROOTLY_CUT_CHARS = {
  summary: CUT_CHARS.field,
  description: 16_384,
  /** A longer generatorURL is dropped. */
  externalUrl: CUT_CHARS.url,
  label: CUT_CHARS.field,
} as const;

/** What the cuts so far removed or shortened, as sent in `data.note`. */
function noteOf(cuts: readonly string[]): { note: string } {
  return { note: `${cuts.join('; ')}: the alert exceeded ${MAX_ALERT_BYTES / 1000} KB` };
}

type Label = { key: string; value: string };

/** The parts of a Rootly alert that a cut changes; the identifiers are never among them. */
interface CutParts {
  summary: string;
  description: string;
  externalUrl: string;
  labels: Label[] | undefined;
  details: Record<string, unknown>;
}

/**
 * The JSON:API document of POST /v1/alerts. An alert over MAX_ALERT_BYTES is cut in a fixed
 * order (fit-json.ts), the note in `data.note` saying what went: (1) annotations and
 * classification leave `data`, summary and description are shortened and a long external URL
 * is dropped; (2) label names and values are shortened; (3) the labels go. `external_id`,
 * `deduplication_key`, `started_at` and `data.fingerprint` are kept: Rootly collapses repeats
 * by the deduplication key, and the resolve uses the id stored for the fingerprint. After (3)
 * the identifiers and bounded fields remain (~160 KB at worst, every character escaped).
 */
export function rootlyAlertBody(config: RootlyTargetConfig, d: Delivery): string {
  const { alert } = d;
  const labels = Object.entries(alert.labels).map(([key, value]) => ({ key, value }));
  const full: CutParts = {
    // Rootly requires a summary: blank alertname and summary are skipped (alert-text.ts).
    summary: alertTitle(alert),
    description: firstNonBlank(
      [alert.annotations['description'], alertSummary(alert)],
      alertName(alert),
    ),
    externalUrl: alert.generatorURL,
    labels,
    details: {
      annotations: alert.annotations,
      ...(d.classification === undefined ? {} : { classification: d.classification }),
    },
  };
  const urlFits = full.externalUrl.length <= ROOTLY_CUT_CHARS.externalUrl;
  const firstCuts = [
    'annotations and classification removed from data',
    'summary and description shortened',
    ...(urlFits ? [] : ['external_url removed']),
  ];
  const shortened: CutParts = {
    summary: truncate(full.summary, ROOTLY_CUT_CHARS.summary),
    description: truncate(full.description, ROOTLY_CUT_CHARS.description),
    externalUrl: urlFits ? full.externalUrl : '',
    labels,
    details: noteOf(firstCuts),
  };
  const cut = (label: string): string => truncate(label, ROOTLY_CUT_CHARS.label);
  const document = (parts: CutParts): object => alertDocument(config, d, parts);
  return fitJson(
    document(full),
    [
      () => document(shortened),
      () =>
        document({
          ...shortened,
          labels: labels.map(({ key, value }) => ({ key: cut(key), value: cut(value) })),
          details: noteOf([...firstCuts, 'label names and values shortened']),
        }),
      () =>
        document({
          ...shortened,
          labels: undefined,
          details: noteOf([...firstCuts, 'labels removed']),
        }),
    ],
    MAX_ALERT_BYTES,
  );
}

function alertDocument(config: RootlyTargetConfig, d: Delivery, parts: CutParts): object {
  const { alert } = d;
  const attributes: Record<string, unknown> = {
    // Required by Rootly's `new_alert` schema (required: source, summary), an enum of
    // integrations: Alertmanager is where every alert here comes from (docs/targets.md, "rootly").
    source: ROOTLY_SOURCE,
    summary: parts.summary,
    description: parts.description,
    started_at: alert.startsAt,
    external_id: alert.fingerprint,
    deduplication_key: alert.fingerprint,
  };
  if (parts.labels !== undefined) attributes['labels'] = parts.labels;
  attributes['data'] = {
    source: config.source,
    target: d.target,
    fingerprint: alert.fingerprint,
    ...parts.details,
  };
  if (parts.externalUrl !== '') attributes['external_url'] = parts.externalUrl;
  return { data: { type: 'alerts', attributes } };
}
