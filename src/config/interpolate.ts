import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';

import type { ConfigProblem } from './config-error.js';
import { formatPath } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type Interpolation = { ok: true; value: string } | { ok: false; error: string };

// `$${` is a literal `${`; `${` runs to the next `}` (or to the end: unterminated).
const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * `${VAR}` → its value (a missing variable is an error), `${VAR:-default}` → the default when
 * VAR is unset or empty (as in a shell), `$${` → a literal `${`. Other `$` are left alone.
 */
export function interpolateString(text: string, env: Env): Interpolation {
  if (!text.includes('${')) return { ok: true, value: text };
  const errors: string[] = [];
  const value = text.replace(REFERENCE, (whole: string, inner?: string, close?: string) => {
    if (whole === '$${') return '${';
    if (close !== '}') {
      errors.push('unterminated "${": close it with "}" (or write "$${" for a literal "${")');
      return whole;
    }
    const parts = NAME_AND_DEFAULT.exec(inner ?? '');
    if (parts === null) {
      errors.push(`invalid reference "${whole}": expected \${NAME} or \${NAME:-default}`);
      return whole;
    }
    const [, name = '', fallback] = parts;
    const found = env[name];
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      errors.push(`environment variable ${name} is not set`);
      return whole;
    }
    return found;
  });
  return errors.length === 0 ? { ok: true, value } : { ok: false, error: errors.join('; ') };
}

/** What interpolating a document found: its problems, and the values that became non-strings. */
export interface Interpolated {
  problems: ConfigProblem[];
  /**
   * Key path → the reference that alone gave it a number or boolean (`${PDK}`): where a string
   * is expected, the error shows the reference to quote, never the value (docs/configuration.md).
   */
  retyped: Map<string, string>;
}

const SOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * Interpolates every string value of a parsed YAML document in place (keys are left as
 * written). An unquoted value that interpolates to a number or boolean takes that type, so
 * `port: ${PORT}` is a number; quoted values stay strings.
 */
export function interpolateDocument(document: Document, env: Env): Interpolated {
  const found: Interpolated = { problems: [], retyped: new Map() };
  visit(document.contents, [], env, found);
  return found;
}

function visit(node: unknown, path: PropertyKey[], env: Env, found: Interpolated): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
      visit(pair.value, [...path, String(key)], env, found);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => visit(item, [...path, index], env, found));
  } else if (isScalar(node) && typeof node.value === 'string') {
    const result = interpolateString(node.value, env);
    if (!result.ok) {
      found.problems.push({ path: formatPath(path), message: result.error });
    } else if (result.value !== node.value) {
      const value = node.type === 'PLAIN' ? retype(result.value) : result.value;
      if (typeof value !== 'string' && SOLE_REFERENCE.test(node.value)) {
        found.retyped.set(formatPath(path), node.value);
      }
      node.value = value;
    }
  }
}

function retype(text: string): string | number | boolean {
  const parsed = parseDocument(text);
  const contents: Node | null = parsed.contents;
  if (parsed.errors.length > 0 || !isScalar(contents)) return text;
  const value: unknown = contents.value;
  return typeof value === 'number' || typeof value === 'boolean' ? value : text;
}
