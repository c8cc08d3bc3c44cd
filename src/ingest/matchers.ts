import { labelValue } from '../domain/alert.js';

/**
 * Alertmanager's classic matchers (`name=value`, `name!="v"`, `name=~"re"`, `name!~"re"`),
 * parsed as Alertmanager's pkg/labels ParseMatcher parses them: OpenMetrics escapes in the
 * value (`\"`, `\n`, `\\`; any other backslash is literal), optional double quotes, regexes
 * anchored as `^(?:re)$`. A missing label matches as the empty string.
 */
export const MATCH_OPERATORS = ['=', '!=', '=~', '!~'] as const;
export type MatchOperator = (typeof MATCH_OPERATORS)[number];

export interface Matcher {
  name: string;
  operator: MatchOperator;
  /** Unescaped value; the regex source for `=~` and `!~`. */
  value: string;
  matches(labelValue: string): boolean;
}

export type MatcherParse = { ok: true; matchers: Matcher[] } | { ok: false; error: string };

// `=~` before `=`, or `=` would be taken and `~` left in the value.
const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;
// Go RE2 flag groups at the start of a regex; JS (Node 20) has no inline modifiers.
const LEADING_FLAGS = /^\(\?([imsU]+)\)/;

/** One matcher, e.g. `severity=~"critical|warning"`. */
export function parseMatcher(
  text: string,
): { ok: true; matcher: Matcher } | { ok: false; error: string } {
  const parts = MATCHER.exec(text);
  const shown = text.trim();
  if (parts === null) {
    return {
      ok: false,
      error: `bad matcher format: ${shown} (expected name=value, name!=value, name=~regex or name!~regex)`,
    };
  }
  const [, name = '', operatorText = '', rawValue = ''] = parts;
  const value = unescapeValue(rawValue);
  if (value === undefined) {
    return { ok: false, error: `matcher value contains an unescaped double quote: ${shown}` };
  }
  const operator = MATCH_OPERATORS.find((op) => op === operatorText) ?? '=';
  switch (operator) {
    case '=':
      return { ok: true, matcher: { name, operator, value, matches: (v) => v === value } };
    case '!=':
      return { ok: true, matcher: { name, operator, value, matches: (v) => v !== value } };
    case '=~':
    case '!~': {
      const regex = compileAnchored(value);
      if (typeof regex === 'string') {
        return { ok: false, error: `invalid regular expression in matcher ${shown}: ${regex}` };
      }
      const negate = operator === '!~';
      return {
        ok: true,
        matcher: { name, operator, value, matches: (v) => regex.test(v) !== negate },
      };
    }
  }
}

/**
 * One config entry: a single matcher or a comma-separated list (`{a="1", b=~"2|3"}`), the
 * way Alertmanager reads a `matchers:` entry; commas inside double quotes do not split.
 */
export function parseMatchers(text: string): MatcherParse {
  const matchers: Matcher[] = [];
  for (const token of splitMatchers(text)) {
    const parsed = parseMatcher(token);
    if (!parsed.ok) return parsed;
    matchers.push(parsed.matcher);
  }
  if (matchers.length === 0) return { ok: false, error: `empty matcher: "${text}"` };
  return { ok: true, matchers };
}

/** All matchers hold for `labels` (an absent label is ""). Empty list = match. */
export function matchesAll(
  matchers: readonly Matcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const matcher of matchers) {
    if (!matcher.matches(labelValue(labels, matcher.name) ?? '')) return false;
  }
  return true;
}

function splitMatchers(text: string): string[] {
  let body = text.trim();
  if (body.startsWith('{')) body = body.slice(1);
  if (body.endsWith('}')) body = body.slice(0, -1);
  const tokens: string[] = [];
  let insideQuotes = false;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === ',' && !insideQuotes) {
      tokens.push(body.slice(start, i));
      start = i + 1;
      continue;
    }
    if (char === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      escaped = false;
    } else if (char === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
  }
  const last = body.slice(start);
  if (last.trim() !== '') tokens.push(last);
  return tokens;
}

/** The value without its quotes and escapes; undefined when a stray `"` is inside. */
function unescapeValue(raw: string): string | undefined {
  let text = raw;
  let expectTrailingQuote = false;
  if (text.startsWith('"')) {
    text = text.slice(1);
    expectTrailingQuote = true;
  }
  let value = '';
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (escaped) {
      escaped = false;
      if (char === 'n') value += '\n';
      else if (char === '"' || char === '\\') value += char;
      else value += '\\' + char;
      continue;
    }
    if (char === '\\') {
      if (i < text.length - 1) escaped = true;
      else value += '\\';
    } else if (char === '"') {
      if (!expectTrailingQuote || i < text.length - 1) return undefined;
      expectTrailingQuote = false;
    } else {
      value += char;
    }
  }
  return expectTrailingQuote ? undefined : value;
}

/**
 * `^(?:re)$` as Alertmanager anchors it. Go's leading `(?i)`/`(?s)`/`(?m)` become JS flags
 * (equivalent here, since only the anchors sit outside the group) and `(?P<name>` becomes
 * `(?<name>`. Unicode mode first (Go matches code points), else legacy mode, which accepts
 * the identity escapes (`\-`, `\#`) RE2 allows. Returns the error message on failure.
 */
function compileAnchored(source: string): RegExp | string {
  let body = source;
  let flags = '';
  const leading = LEADING_FLAGS.exec(body);
  if (leading !== null) {
    const goFlags = leading[1] ?? '';
    if (goFlags.includes('U')) return 'the (?U) flag is not supported';
    flags = [...new Set(goFlags)].join('');
    body = body.slice(leading[0].length);
  }
  body = body.replaceAll('(?P<', '(?<');
  const anchored = `^(?:${body})$`;
  const unicode = tryRegExp(anchored, `${flags}u`);
  return typeof unicode === 'string' ? tryRegExp(anchored, flags) : unicode;
}

function tryRegExp(source: string, flags: string): RegExp | string {
  try {
    return new RegExp(source, flags);
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
}
