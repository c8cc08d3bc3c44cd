import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { anAlert } from '../../test/support/builders.js';
import { parseSubmitRequest } from './submit-request.js';

describe('parseSubmitRequest', () => {
  it('accepts an alert alone', () => {
    const alert = anAlert({ severity: 'warning' });
    assert.deepEqual(parseSubmitRequest({ alert }), { ok: true, request: { alert } });
  });

  it('lower-cases the severity and fills classification defaults', () => {
    const alert = anAlert();
    const result = parseSubmitRequest({
      alert,
      classification: { severity: 'CRITICAL' },
      targets: ['a', 'b', 'a'],
    });
    assert.deepEqual(result, {
      ok: true,
      request: {
        alert,
        classification: { severity: 'critical', confidence: 1, reasoning: '', recommendations: [] },
        targets: ['a', 'b'],
      },
    });
  });

  it('replaces NUL and lone surrogates in the classification and the alert with U+FFFD', () => {
    // Issue 14, defect 1: the NUL check skipped the classification, stored as jsonb.
    const result = parseSubmitRequest({
      alert: { labels: { alertname: 'x', v: '\ud800' } },
      classification: { severity: 'info', reasoning: 'a\u0000b', recommendations: ['\udc00'] },
    });
    assert.ok(result.ok);
    assert.equal(result.request.alert.labels['v'], '\ufffd');
    assert.equal(result.request.classification?.reasoning, 'a\ufffdb');
    assert.deepEqual(result.request.classification?.recommendations, ['\ufffd']);
  });

  it('keeps a full classification', () => {
    const classification = {
      severity: 'noise',
      confidence: 0.25,
      reasoning: 'flapping',
      recommendations: ['silence'],
    };
    const result = parseSubmitRequest({ alert: anAlert(), classification });
    assert.ok(result.ok);
    assert.deepEqual(result.request.classification, classification);
  });

  it('defaults the alert status to firing and computes its fingerprint', () => {
    const alert: Record<string, unknown> = { ...anAlert() };
    delete alert['status'];
    delete alert['fingerprint'];
    const result = parseSubmitRequest({ alert }, '2026-11-29T12:00:00Z');
    assert.ok(result.ok);
    assert.equal(result.request.alert.status, 'firing');
    assert.equal(result.request.alert.fingerprint, anAlert().fingerprint);
  });

  it('lists every problem with its path', () => {
    const result = parseSubmitRequest({
      alert: { ...anAlert(), labels: {} },
      classification: {
        severity: 'apocalyptic',
        confidence: 2,
        reasoning: 1,
        recommendations: 'x',
        mood: 'sad',
      },
      targets: ['ok', ''],
      target: 'typo',
    });
    assert.deepEqual(result, {
      ok: false,
      details: [
        { path: 'target', message: 'unknown field' },
        { path: 'alert.labels.alertname', message: 'required' },
        { path: 'classification.mood', message: 'unknown field' },
        {
          path: 'classification.severity',
          message: 'must be one of critical, warning, info, noise',
        },
        { path: 'classification.confidence', message: 'expected a number from 0 to 1' },
        { path: 'classification.reasoning', message: 'expected a string' },
        { path: 'classification.recommendations', message: 'expected a list of strings' },
        { path: 'targets[1]', message: 'expected a target name' },
      ],
    });
  });

  const invalid: [string, unknown, { path: string; message: string }][] = [
    ['not an object', 'x', { path: '', message: 'expected a JSON object' }],
    ['no alert', { targets: ['a'] }, { path: 'alert', message: 'required' }],
    [
      'an empty targets list',
      { alert: anAlert(), targets: [] },
      { path: 'targets', message: 'expected a non-empty list of target names' },
    ],
    [
      'a classification without severity',
      { alert: anAlert(), classification: {} },
      { path: 'classification.severity', message: 'required' },
    ],
    [
      'a NaN-like confidence',
      { alert: anAlert(), classification: { severity: 'info', confidence: '0.5' } },
      { path: 'classification.confidence', message: 'expected a number from 0 to 1' },
    ],
  ];
  for (const [what, body, detail] of invalid) {
    it(`refuses ${what}`, () => {
      assert.deepEqual(parseSubmitRequest(body), { ok: false, details: [detail] });
    });
  }
});
