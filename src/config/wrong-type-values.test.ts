import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { problemsOf, source } from '../../test/support/config-problems.js';
import { parseConfig } from './load-config.js';

/** An all-digit PagerDuty key and API key: YAML reads them, unquoted, as numbers. */
const PDK = '12345678901234567890123456789012';
const APIK = '839201938475';
const env = { PDK, APIK, HEX: '0x1f', A: '12', B: '34' };

const pagerduty = (key: string): string =>
  `targets:\n  - name: oncall\n    type: pagerduty\n    routing_key: ${key}\n`;
const header = (value: string): string =>
  `targets:\n  - name: hook\n    type: webhook\n    url: http://127.0.0.1/\n    headers:\n      X-Api-Key: ${value}\n`;

describe('a config value of the wrong type', () => {
  it('names its type and the reference to quote, never the secret it holds', () => {
    const problems = [
      ...problemsOf(pagerduty('${PDK}'), env),
      ...problemsOf(header('${APIK}'), env),
    ];
    assert.deepEqual(problems, [
      'targets[0].routing_key: expected string, got number: quote it: "${PDK}"',
      'targets[0].headers.X-Api-Key: expected string, got number: quote it: "${APIK}"',
    ]);
    assert.doesNotMatch(problems.join('\n'), /1\.23|e\+31|839201938475|12345678/);
  });

  it('refuses 0x1f, 1e3, 0o17 and true where a string is expected rather than converting them', () => {
    for (const literal of ['0x1f', '1e3', '0o17', '12345']) {
      assert.deepEqual(problemsOf(header(literal)), [
        'targets[0].headers.X-Api-Key: expected string, got number: quote it',
      ]);
    }
    assert.deepEqual(problemsOf('auth:\n  api_token: true\n'), [
      'auth.api_token: expected string, got boolean: quote it',
    ]);
    assert.deepEqual(problemsOf(header('${HEX}'), env), [
      'targets[0].headers.X-Api-Key: expected string, got number: quote it: "${HEX}"',
    ]);
  });

  it('shows no reference when the value mixes several, and none of the text it read', () => {
    assert.deepEqual(problemsOf(header('${A}${B}'), env), [
      'targets[0].headers.X-Api-Key: expected string, got number: quote it',
    ]);
    const [unterminated = ''] = problemsOf(header('"s3cret${"'));
    assert.match(unterminated, /^targets\[0\]\.headers\.X-Api-Key: unterminated "\$\{"/);
    assert.doesNotMatch(unterminated, /s3cret/);
  });

  it('keeps a quoted reference a string, digits and all', () => {
    const [hook] = parseConfig(header('"${APIK}"'), { env, source }).targets;
    assert.deepEqual(hook?.type === 'webhook' && hook.headers, { 'X-Api-Key': APIK });
    const [oncall] = parseConfig(pagerduty('"${PDK}"'), { env, source }).targets;
    assert.equal(oncall?.type === 'pagerduty' && oncall.routing_key, PDK);
  });
});
