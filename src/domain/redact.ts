import { basicCredentialsOf } from './basic-auth.js';

/**
 * Secret removal for everything that leaves the process or is stored: log fields, DLQ rows,
 * API responses, outcome messages. Pure; no I/O.
 */
export const REDACTED = '[REDACTED]';

/** Config keys whose values are secrets wherever they appear. */
const SECRET_KEY = /token|secret|password|passwd|routing_key|api_?key|private|credential/i;

/** Header names whose values are credentials (compared case-insensitively). */
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|key|auth|password|signature|session/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

export interface UrlRedaction {
  /** Keep only scheme and host (Slack incoming webhooks: the path is the secret). */
  hostOnly?: boolean;
}

/**
 * Drops userinfo and replaces every query value (any of them may be a token; names are kept
 * so the URL stays recognisable). An unparseable URL is replaced whole.
 */
export function redactUrl(url: string, options: UrlRedaction = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: nothing of it is safe to show.
    return REDACTED;
  }
  if (options.hostOnly === true) return `${parsed.protocol}//${parsed.host}`;
  parsed.username = '';
  parsed.password = '';
  const names = [...new Set(parsed.searchParams.keys())];
  for (const name of names) parsed.searchParams.set(name, REDACTED);
  return parsed.toString();
}

function redactHeaders(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = isCredentialHeader(name) ? REDACTED : value;
  }
  return out;
}

/**
 * A target config as safe data: secret keys masked, URLs redacted (Slack's to its host),
 * credential header values masked. Unset secrets stay unset, so readers can tell "no
 * secret configured" from "secret masked".
 */
export function redactTargetConfig(
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const type = config['type'];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (key === 'headers') out[key] = redactHeaders(value);
    else if (SECRET_KEY.test(key)) out[key] = value === '' ? '' : REDACTED;
    else if (key.endsWith('url') && typeof value === 'string') {
      out[key] = redactUrl(value, { hostOnly: type === 'slack' && key === 'url' });
    } else if (typeof value === 'string') out[key] = redactUrlsInText(value);
    else out[key] = value;
  }
  return out;
}

/**
 * A query value worth masking in free text. A short plain number (`?ms=6000`, `?port=8080`) is a
 * parameter, not a credential: masked, it hid every such number in every log line and message
 * ("1[REDACTED] ms"). URLs themselves are still shown with every query value redacted.
 */
function isSecretLikeQueryValue(value: string): boolean {
  return !/^\d{1,7}$/.test(value);
}

/**
 * The secret parts of a URL: query values (but short plain numbers) and userinfo (without the user name when
 * `withUser` is false), and with `wholePath` (a Slack incoming webhook) its path and last
 * segment, the token.
 */
export function urlSecrets(
  url: string,
  options: { wholePath?: boolean; withUser?: boolean } = {},
): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const found = [...parsed.searchParams.values()].filter(isSecretLikeQueryValue);
  if (parsed.username !== '' && options.withUser !== false) {
    found.push(decodeURIComponent(parsed.username));
  }
  if (parsed.password !== '') found.push(decodeURIComponent(parsed.password));
  // What the HTTP client sends for them (basic-auth.ts): a target may echo it back.
  const basic = basicCredentialsOf(parsed);
  if (basic !== undefined && (parsed.password !== '' || options.withUser !== false)) {
    found.push(basic);
  }
  if (options.wholePath === true && parsed.pathname.length > 1) {
    found.push(parsed.pathname, parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1));
  }
  return found;
}

/** Every secret string a target config holds, for the secret mask (secret-mask.ts). */
export function secretsOf(config: Readonly<Record<string, unknown>>): string[] {
  const type = config['type'];
  const found: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key === 'headers' && typeof value === 'object' && value !== null) {
      const headers: object = value;
      for (const [name, headerValue] of Object.entries(headers)) {
        if (isCredentialHeader(name) && typeof headerValue === 'string') found.push(headerValue);
      }
    } else if (typeof value !== 'string') continue;
    else if (SECRET_KEY.test(key)) found.push(value);
    else if (key.endsWith('url')) found.push(...urlSecrets(value, { wholePath: type === 'slack' }));
  }
  return found.filter((secret) => secret.length >= 4);
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/**
 * Redacts every URL found in free text (userinfo, query values; a Slack webhook to its host).
 * For text whose secrets are not known up front, such as a stored error message.
 */
export function redactUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) =>
    redactUrl(match, { hostOnly: match.includes('hooks.slack.com') }),
  );
}
