import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fingerprintOf } from '../domain/fingerprint.js';
import { parseWebhookPayload } from './alertmanager-payload.js';

/** What Alertmanager 0.25+ POSTs to a webhook receiver (notify/webhook: version "4"). */
function alertmanagerPayload(alerts: unknown[] = [firingAlert(), resolvedAlert()]) {
  return {
    receiver: 'alert-publisher',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'HighLatency' },
    commonLabels: { alertname: 'HighLatency', job: 'api' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local:9093',
    version: '4',
    groupKey: '{}/{severity=~"critical|warning"}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
  };
}

function firingAlert(labels: Record<string, string> = {}): Record<string, unknown> {
  const allLabels = {
    alertname: 'HighLatency',
    instance: 'api-1:9100',
    job: 'api',
    severity: 'critical',
    ...labels,
  };
  return {
    status: 'firing',
    labels: allLabels,
    annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks.local/latency' },
    startsAt: '2026-11-29T10:00:00.123456789Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL:
      'http://prometheus.local:9090/graph?g0.expr=histogram_quantile%280.99%29&g0.tab=1',
    fingerprint: fingerprintOf(allLabels),
  };
}

function resolvedAlert(): Record<string, unknown> {
  return {
    ...firingAlert({ instance: 'api-2:9100' }),
    status: 'resolved',
    endsAt: '2026-11-29T10:05:00.5+01:00',
  };
}

describe('parseWebhookPayload', () => {
  it('accepts a real Alertmanager payload and keeps every alert field as sent', () => {
    const result = parseWebhookPayload(alertmanagerPayload());
    assert.ok(result.ok);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.alerts, [firingAlert(), resolvedAlert()]);
  });

  it('reads truncatedAlerts: how many alerts Alertmanager left out, 0 when not a count', () => {
    const truncated = (value: unknown): unknown => {
      const result = parseWebhookPayload({ ...alertmanagerPayload(), truncatedAlerts: value });
      return result.ok ? result.truncated : 'refused';
    };
    assert.equal(truncated(250), 250);
    assert.equal(truncated(0), 0);
    assert.equal(truncated('250'), 0);
    assert.equal(truncated(-1), 0);
    assert.equal(truncated(1.5), 0);
  });

  it('accepts unknown fields at both levels and keeps them out of the alerts', () => {
    const payload = {
      ...alertmanagerPayload([{ ...firingAlert(), silencedBy: [], extra: { a: 1 } }]),
      newTopLevel: true,
    };
    const result = parseWebhookPayload(payload);
    assert.ok(result.ok);
    assert.deepEqual(result.alerts, [firingAlert()]);
  });

  it('rejects an invalid alert with its index and reason while the valid ones go on', () => {
    const noName = firingAlert();
    noName['labels'] = { instance: 'x' };
    const result = parseWebhookPayload(
      alertmanagerPayload([
        firingAlert(),
        firingAlert({ instance: 'b' }),
        firingAlert({ instance: 'c' }),
        noName,
      ]),
    );
    assert.ok(result.ok);
    assert.equal(result.alerts.length, 3);
    assert.deepEqual(result.rejected, [
      { index: 3, reason: 'alerts[3].labels.alertname: required' },
    ]);
  });

  const badAlerts: [string, Record<string, unknown>, string][] = [
    [
      'a wrong status',
      { ...firingAlert(), status: 'pending' },
      'alerts[0].status: must be "firing" or "resolved"',
    ],
    ['no status', { ...firingAlert(), status: undefined }, 'alerts[0].status: required'],
    ['no labels', { ...firingAlert(), labels: undefined }, 'alerts[0].labels: required'],
    [
      'labels as a list',
      { ...firingAlert(), labels: ['a'] },
      'alerts[0].labels: expected an object',
    ],
    ['an empty alertname', firingAlert({ alertname: '' }), 'alerts[0].labels.alertname: required'],
    [
      'label names that become equal once made storable',
      { ...firingAlert(), labels: { alertname: 'A', 'x\u0000': '1', 'x\ud800': '2' } },
      'alerts[0].labels: two names are equal once NUL and lone surrogates are replaced',
    ],
    [
      'a __proto__ label that is not a string',
      { ...firingAlert(), labels: JSON.parse('{"alertname": "A", "__proto__": {"x": 1}}') },
      'alerts[0].labels.__proto__: expected a string',
    ],
    [
      'a number label',
      { ...firingAlert(), labels: { alertname: 'A', code: 500 } },
      'alerts[0].labels.code: expected a string',
    ],
    [
      'an empty label name',
      { ...firingAlert(), labels: { alertname: 'A', '': 'x' } },
      'alerts[0].labels: names must not be empty',
    ],
    [
      'a null annotation',
      { ...firingAlert(), annotations: { summary: null } },
      'alerts[0].annotations.summary: expected a string',
    ],
    [
      'a bad startsAt',
      { ...firingAlert(), startsAt: 'yesterday' },
      'alerts[0].startsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a startsAt without zone',
      { ...firingAlert(), startsAt: '2026-11-29T10:00:00' },
      'alerts[0].startsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a bad endsAt',
      { ...firingAlert(), endsAt: 1234 },
      'alerts[0].endsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a startsAt in year 0, which PostgreSQL cannot store',
      { ...firingAlert(), startsAt: '0000-01-01T00:00:00Z' },
      'alerts[0].startsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a startsAt that is year 0 in UTC',
      { ...firingAlert(), startsAt: '0001-01-01T00:30:00+01:00' },
      'alerts[0].startsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a leap second',
      { ...firingAlert(), endsAt: '2026-12-31T23:59:60Z' },
      'alerts[0].endsAt: expected an RFC 3339 time from year 0001 to 9999',
    ],
    [
      'a non-string generatorURL',
      { ...firingAlert(), generatorURL: 5 },
      'alerts[0].generatorURL: expected a string',
    ],
    [
      'a malformed fingerprint',
      { ...firingAlert(), fingerprint: 'xyz' },
      'alerts[0].fingerprint: expected 16 hex digits',
    ],
  ];
  for (const [what, alert, reason] of badAlerts) {
    it(`rejects an alert with ${what}`, () => {
      const result = parseWebhookPayload(
        alertmanagerPayload([alert, firingAlert({ instance: 'ok' })]),
      );
      assert.ok(result.ok);
      assert.deepEqual(result.rejected, [{ index: 0, reason }]);
      assert.equal(result.alerts.length, 1);
    });
  }

  it('fills Alertmanager defaults for optional fields and computes a missing fingerprint', () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1' };
    const result = parseWebhookPayload(
      { alerts: [{ status: 'firing', labels }] },
      '2026-11-29T12:00:00.000Z',
    );
    assert.ok(result.ok);
    assert.deepEqual(result.alerts, [
      {
        status: 'firing',
        labels,
        annotations: {},
        startsAt: '2026-11-29T12:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: fingerprintOf(labels),
      },
    ]);
  });

  it('replaces NUL and lone surrogates anywhere in an alert with U+FFFD, fingerprinting the result', () => {
    // Issue 14, defect 1: PostgreSQL's jsonb refuses both; such an alert could never be dead-lettered.
    const result = parseWebhookPayload({
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'x', v: 'x\ud800y', 'k\u0000': 'a\u0000', pair: '𝄞' },
          annotations: { summary: '\udfffend' },
          generatorURL: 'http://p/\u0000',
        },
      ],
    });
    assert.ok(result.ok);
    const labels = { alertname: 'x', v: 'x\ufffdy', 'k\ufffd': 'a\ufffd', pair: '𝄞' };
    assert.deepEqual(result.alerts[0]?.labels, labels);
    assert.deepEqual(result.alerts[0]?.annotations, { summary: '\ufffdend' });
    assert.equal(result.alerts[0]?.generatorURL, 'http://p/\ufffd');
    assert.equal(result.alerts[0]?.fingerprint, fingerprintOf(labels));
  });

  it('reads __proto__ and constructor labels as data, as JSON.parse gives them', () => {
    // Issue 14, defect 6: such keys are label names, not prototypes.
    const alert: unknown = JSON.parse(
      '{"status": "firing", "labels": {"alertname": "x", "__proto__": "p", "constructor": "c"}}',
    );
    const result = parseWebhookPayload({ alerts: [alert] });
    assert.ok(result.ok);
    const labels = result.alerts[0]?.labels ?? {};
    assert.deepEqual(Object.keys(labels), ['alertname', '__proto__', 'constructor']);
    assert.equal(JSON.stringify(labels), '{"alertname":"x","__proto__":"p","constructor":"c"}');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  });

  it('keeps a given fingerprint, lower-cased', () => {
    const result = parseWebhookPayload(
      alertmanagerPayload([{ ...firingAlert(), fingerprint: 'ABCDEF0123456789' }]),
    );
    assert.ok(result.ok);
    assert.equal(result.alerts[0]?.fingerprint, 'abcdef0123456789');
  });

  it('fails with details when every alert is invalid', () => {
    const result = parseWebhookPayload(alertmanagerPayload([{ status: 'firing' }, 'nope']));
    assert.deepEqual(result, {
      ok: false,
      details: [
        { path: 'alerts[0].labels', message: 'required' },
        { path: 'alerts[1]', message: 'expected an object' },
      ],
    });
  });

  it('caps the details of a huge all-invalid batch', () => {
    const result = parseWebhookPayload({ alerts: Array.from({ length: 150 }, () => ({})) });
    assert.equal(result.ok, false);
    assert.equal(result.ok ? 0 : result.details.length, 101);
    assert.deepEqual(result.ok ? undefined : result.details.at(-1), {
      path: 'alerts',
      message: '50 more invalid alerts',
    });
  });

  const notPayloads: [string, unknown, { path: string; message: string }][] = [
    [
      'a string',
      'hello',
      { path: '', message: 'expected a JSON object: an Alertmanager webhook payload' },
    ],
    [
      'null',
      null,
      { path: '', message: 'expected a JSON object: an Alertmanager webhook payload' },
    ],
    [
      'a list',
      [firingAlert()],
      { path: '', message: 'expected a JSON object: an Alertmanager webhook payload' },
    ],
    ['no alerts', { version: '4' }, { path: 'alerts', message: 'required' }],
    ['alerts not a list', { alerts: {} }, { path: 'alerts', message: 'expected a list' }],
    [
      'an empty alerts list',
      { alerts: [] },
      { path: 'alerts', message: 'must contain at least one alert' },
    ],
    [
      'another version',
      { ...alertmanagerPayload(), version: '3' },
      { path: 'version', message: 'unsupported version "3": expected "4"' },
    ],
  ];
  for (const [what, body, detail] of notPayloads) {
    it(`fails for ${what}`, () => {
      assert.deepEqual(parseWebhookPayload(body), { ok: false, details: [detail] });
    });
  }
});
