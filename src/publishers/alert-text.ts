import type { Alert } from '../domain/alert.js';

/**
 * Texts made from labels and annotations for the fields a receiver requires non-blank
 * (PagerDuty's `payload.source` and `payload.summary`, Rootly's `summary`): an empty or
 * whitespace-only value counts as absent, so the next candidate is used (docs/targets.md).
 */

/** The first candidate with a non-whitespace character, or `fallback`. */
export function firstNonBlank(
  candidates: ReadonlyArray<string | undefined>,
  fallback: string,
): string {
  return candidates.find((value) => value !== undefined && value.trim() !== '') ?? fallback;
}

/** The `alertname` label; a blank one reads `alert`. */
export function alertName(alert: Alert): string {
  return firstNonBlank([alert.labels['alertname']], 'alert');
}

/** The `summary` annotation, or undefined when it is absent or blank. */
export function alertSummary(alert: Alert): string | undefined {
  const summary = alert.annotations['summary'];
  return summary === undefined || summary.trim() === '' ? undefined : summary;
}

/** `name: summary`, or the name alone when the summary is absent or blank; never blank. */
export function alertTitle(alert: Alert): string {
  const summary = alertSummary(alert);
  return summary === undefined ? alertName(alert) : `${alertName(alert)}: ${summary}`;
}
