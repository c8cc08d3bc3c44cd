import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { problemsOf, source } from '../../test/support/config-problems.js';
import { parseConfig } from './load-config.js';

/** A key of the shape PagerDuty issues: 32 characters. */
const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const target = (fields: string): string =>
  `targets:\n  - { name: oncall, type: pagerduty, ${fields} }\n`;

describe('pagerduty target config', () => {
  it('accepts a 32-character routing key, with or without a source', () => {
    const [plain] = parseConfig(target(`routing_key: ${KEY}`), { env: {}, source }).targets;
    assert.equal(plain?.type === 'pagerduty' && plain.source, undefined);
    const [named] = parseConfig(target(`routing_key: ${KEY}, source: db-1`), {
      env: {},
      source,
    }).targets;
    assert.equal(named?.type === 'pagerduty' && named.source, 'db-1');
  });

  it('refuses a routing key PagerDuty would refuse, naming the key', () => {
    for (const key of ['k', `${KEY}0`, '""']) {
      assert.deepEqual(problemsOf(target(`routing_key: ${key}`)), [
        'targets[0].routing_key: must be the 32-character PagerDuty integration key',
      ]);
    }
  });

  it('checks the routing key after ${VAR} substitution', () => {
    const text = target('routing_key: "${PD_ROUTING_KEY}"');
    const [parsed] = parseConfig(text, { env: { PD_ROUTING_KEY: KEY }, source }).targets;
    assert.equal(parsed?.type === 'pagerduty' && parsed.routing_key, KEY);
    assert.deepEqual(problemsOf(text, { PD_ROUTING_KEY: 'short' }), [
      'targets[0].routing_key: must be the 32-character PagerDuty integration key',
    ]);
  });

  it('refuses an empty or blank source, which PagerDuty answers with 400', () => {
    for (const blank of ['""', '"   "']) {
      assert.deepEqual(problemsOf(target(`routing_key: ${KEY}, source: ${blank}`)), [
        'targets[0].source: must not be blank',
      ]);
    }
  });
});
