/**
 * Defence in depth for DLQ rows: the engine already hands over `Target.redactedConfig` and a
 * redacted message; this strips what would still be a secret if a caller forgot.
 * TODO(lead): switch to src/domain/redact.ts (branch `publishers`) once it is on main.
 */
const SECRET_KEY = /token|secret|password|passwd|routing_key|api_?key|authorization|signature/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
export const REDACTED = '[REDACTED]';

/** Drops userinfo, query values and fragment; a Slack webhook keeps its host only (its path is the secret). */
export function sanitiseUrl(text: string): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  if (url.hostname === 'hooks.slack.com') return url.host;
  url.username = url.username === '' ? '' : 'REDACTED';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, 'REDACTED');
  url.hash = '';
  return url.toString();
}

export function sanitiseText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => sanitiseUrl(match));
}

export function sanitiseConfig(config: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    result[key] = SECRET_KEY.test(key) ? REDACTED : sanitiseValue(value);
  }
  return result;
}

function sanitiseValue(value: unknown): unknown {
  if (typeof value === 'string') return sanitiseText(value);
  if (Array.isArray(value)) return value.map(sanitiseValue);
  if (isRecord(value)) return sanitiseConfig(value);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
