import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { aClassification, anAlert } from '../../test/support/builders.js';
import { createRouter } from './route.js';

const router = createRouter([
  { name: 'oncall', enabled: true, match: ['severity="critical"'] },
  { name: 'team-chat', enabled: true, match: ['severity=~"critical|warning"', 'team="db"'] },
  { name: 'audit', enabled: true, match: [] },
  { name: 'paused', enabled: false, match: [] },
  { name: 'db-only', enabled: true, match: ['{team="db", env!="staging"}'] },
]);

function targetsOf(result: ReturnType<typeof router.route>): string[][] {
  assert.ok(result.ok);
  return result.requests.map((request) => [request.alert.labels['instance'] ?? '', request.target]);
}

describe('route', () => {
  it('sends each alert to every enabled target whose matchers all hold', () => {
    const critical = anAlert({ severity: 'critical', team: 'db', instance: 'a' });
    const warningWeb = anAlert({ severity: 'warning', team: 'web', instance: 'b' });
    assert.deepEqual(targetsOf(router.route([critical, warningWeb])), [
      ['a', 'oncall'],
      ['a', 'team-chat'],
      ['a', 'audit'],
      ['a', 'db-only'],
      ['b', 'audit'],
    ]);
  });

  it('never routes to a disabled target, even one without matchers', () => {
    const result = router.route([anAlert()]);
    assert.ok(result.ok);
    assert.equal(
      result.requests.some((request) => request.target === 'paused'),
      false,
    );
  });

  it('carries the classification into each request, and none when not given', () => {
    const classification = aClassification({ severity: 'critical' });
    const withIt = router.route([anAlert()], { classification });
    assert.ok(withIt.ok);
    assert.deepEqual(withIt.requests[0], { alert: anAlert(), classification, target: 'audit' });
    const without = router.route([anAlert()]);
    assert.ok(without.ok);
    assert.equal('classification' in (without.requests[0] ?? {}), false);
  });

  it('reports alerts that match no target as unrouted', () => {
    const onlyCritical = createRouter([
      { name: 'oncall', enabled: true, match: ['severity="critical"'] },
    ]);
    const info = anAlert({ severity: 'info' });
    assert.deepEqual(onlyCritical.route([info]), { ok: true, requests: [], unrouted: [info] });
  });

  it('leaves every alert unrouted when no target is configured', () => {
    const alert = anAlert();
    assert.deepEqual(createRouter([]).route([alert]), {
      ok: true,
      requests: [],
      unrouted: [alert],
    });
  });

  it('sends to named targets regardless of their matchers, once each', () => {
    const info = anAlert({ severity: 'info', instance: 'i' });
    assert.deepEqual(
      targetsOf(router.route([info], { targetNames: ['oncall', 'team-chat', 'oncall'] })),
      [
        ['i', 'oncall'],
        ['i', 'team-chat'],
      ],
    );
  });

  it('refuses a named disabled target', () => {
    assert.deepEqual(router.route([anAlert()], { targetNames: ['audit', 'paused'] }), {
      ok: false,
      code: 'target_disabled',
      target: 'paused',
      message: 'target paused is disabled',
    });
  });

  it('refuses an unknown named target', () => {
    assert.deepEqual(router.route([anAlert()], { targetNames: ['nope'] }), {
      ok: false,
      code: 'unknown_target',
      target: 'nope',
      message: 'target nope is not configured',
    });
  });

  it('throws at creation for a matcher that does not parse (config validation reports it first)', () => {
    assert.throws(
      () => createRouter([{ name: 'x', enabled: true, match: ['bad'] }]),
      /target x: bad matcher format/,
    );
  });
});
