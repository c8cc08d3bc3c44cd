import { REDACTED } from './redact.js';

/**
 * The one function that hides configured secrets in text the service stores, logs or answers
 * (docs/security.md): target responses and failure messages, DLQ rows, job errors, the
 * journal, log lines, target-test answers. Callers mask *before* cutting a text short, so a
 * secret across the cut cannot leave its first characters behind.
 */
export type SecretMask = (text: string) => string;

/** Shorter secrets are not masked: hiding "ab" everywhere would destroy messages and protect nothing. */
export const MIN_SECRET_CHARS = 4;

/** `Bearer x`, `Basic x`, `Token x`…: the credential after an HTTP auth scheme. */
const AUTH_SCHEME = /^[A-Za-z][A-Za-z0-9_-]*\s+(\S+)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Each way a secret may appear in text: as configured; the credential of a header value
 * (`Bearer S3CR3T` → `S3CR3T`) and, for Basic, the decoded `user:password` and the password;
 * a signing secret without its `whsec_` prefix; each of those URL-encoded and JSON-escaped
 * (log lines are JSON).
 */
export function secretForms(secret: string): string[] {
  const plain = [secret];
  const credential = AUTH_SCHEME.exec(secret)?.[1];
  if (credential !== undefined) {
    plain.push(credential);
    if (/^basic\s/i.test(secret) && BASE64.test(credential)) {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      plain.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  if (secret.startsWith('whsec_')) plain.push(secret.slice('whsec_'.length));
  const forms = new Set<string>();
  for (const text of plain) {
    for (const form of [text, encodeURIComponent(text), JSON.stringify(text).slice(1, -1)]) {
      if (form.length >= MIN_SECRET_CHARS) forms.add(form);
    }
  }
  return [...forms];
}

/**
 * Replaces every stretch of text covered by an occurrence of any form of any secret (found
 * wherever they start, overlapping ones included) with one `[REDACTED]`: two secrets sharing
 * characters cannot leave the end of one visible. Cost: one indexOf scan of `text` per form,
 * and nothing more for text that holds no secret.
 */
export function createSecretMask(secrets: readonly string[]): SecretMask {
  return createSecretMasks(secrets).mask;
}

/** The service's mask, which a configuration reload extends. */
export interface SecretMasks {
  /** Hides every secret added so far. */
  readonly mask: SecretMask;
  /** Adds secrets (a reloaded configuration's); those added before stay masked. */
  add(secrets: readonly string[]): void;
}

export function createSecretMasks(secrets: readonly string[]): SecretMasks {
  const forms = new Set(secrets.flatMap(secretForms));
  return {
    mask: (text) => maskWith(forms, text),
    add(more) {
      for (const form of more.flatMap(secretForms)) forms.add(form);
    },
  };
}

function maskWith(forms: ReadonlySet<string>, text: string): string {
  let covered: Array<[number, number]> | undefined;
  for (const form of forms) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      (covered ??= []).push([at, at + form.length]);
    }
  }
  if (covered === undefined) return text;
  covered.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let end = -1;
  for (const [start, stop] of covered) {
    if (start > end) {
      if (end !== -1) out += REDACTED;
      out += text.slice(from, start);
      end = stop;
    } else if (stop > end) {
      end = stop;
    }
    from = end;
  }
  return `${out}${REDACTED}${text.slice(end)}`;
}
