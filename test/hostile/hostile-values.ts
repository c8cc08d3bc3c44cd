import fc from 'fast-check';

/**
 * Generated hostile values for the fuzz tests: what the attack on main sent (NUL, lone
 * surrogates, year-0 and year-275760 times, endless durations, `__proto__` keys, invalid
 * UTF-8, deep nesting) mixed with near-valid values, so validation is crossed both ways.
 */
const SPECIAL_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufffd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '2026-11-29T12:00:60Z',
  '2026-02-30T00:00:00Z',
  '100000000d',
  '1000000000000000000000y',
  '720h',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  'true',
  'null',
  '[]',
  '{}',
  '00000000-0000-4000-8000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'abcdef0123456789',
  'webhook',
  'critical',
  'high',
  'dlq',
  '../../etc/passwd',
  '%00',
  '%ZZ',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '$1',
  '\\u0000',
  'a'.repeat(300),
];

/** Any text: UTF-16 units with NUL and lone surrogates, near-valid values, specials. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...SPECIAL_TEXT),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.integer().map(String),
  fc.double().map(String),
  fc
    .tuple(fc.nat(), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', 'y'))
    .map(([n, u]) => `${n}${u}`),
  fc.uuid().map(String),
  fc.stringMatching(/^[0-9a-f]{16}$/),
  fc.base64String({ maxLength: 60 }),
);

/**
 * `text` percent-encoded for a URL as its UTF-16 units would be in WTF-8: a lone surrogate
 * becomes the three bytes no valid UTF-8 has, NUL becomes %00.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** A query value as sent on the wire: encoded text, raw bytes (invalid UTF-8), or repeated. */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: hostileText.map(percentEncode) },
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ maxLength: 24 })
      .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }) },
);

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { v: value };
  return value;
}

/** Any JSON value for a body field, with hostile strings and keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.dictionary(hostileText, fc.oneof(hostileText, fc.jsonValue({ maxDepth: 1 })), {
      maxKeys: 5,
    }),
  },
  { weight: 1, arbitrary: fc.array(hostileText, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
      JSON.parse('{"__proto__": "p", "alertname": "x"}'),
      nested(2_000),
      1e308,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      null,
      true,
      [],
      {},
    ),
  },
);
