import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { fingerprintOf } from '../../src/domain/fingerprint.js';
import type { RunningAlertmanager } from '../support/service-alertmanager.js';
import { alertmanagerAvailable, startAlertmanager } from '../support/service-alertmanager.js';
import { eventually } from '../support/eventually.js';
import type { RunningApp } from '../support/service-app.js';
import { startApp } from '../support/service-app.js';
import type { RecordedRequest, TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';

/**
 * A real Alertmanager sends to the service, which delivers to a local target. Real time (the
 * one exception to the fake clock): every wait is bounded.
 */
const WEBHOOK_TOKEN = 'am-e2e-token';

interface Delivered {
  alert: { status: string; fingerprint: string; labels: Record<string, string> };
}

function delivered(request: RecordedRequest): Delivered['alert'] | undefined {
  const body = request.json;
  if (typeof body !== 'object' || body === null || !('alert' in body)) return undefined;
  const alert = body.alert;
  if (typeof alert !== 'object' || alert === null) return undefined;
  return alert as Delivered['alert'];
}

const available = alertmanagerAvailable();
const skip =
  !available && process.env['CI'] !== 'true' ? 'prometheus-alertmanager is not installed' : false;

describe('with a real Alertmanager', { skip }, () => {
  let target: TargetServer;
  let running: RunningApp;
  let alertmanager: RunningAlertmanager;
  const labels = { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', team: 'db' };

  before(async () => {
    if (!available)
      throw new Error('CI=true: prometheus-alertmanager must be installed (see .ci/run)');
    target = await startTargetServer({ status: 200 });
    running = await startApp({
      yaml: `auth: { webhook_token: "${WEBHOOK_TOKEN}" }\ntargets:\n  - name: pager\n    type: webhook\n    url: "${target.url}/hook"\n`,
    });
    alertmanager = await startAlertmanager({
      webhookUrl: `${running.url}/webhook`,
      webhookToken: WEBHOOK_TOKEN,
    });
  });
  after(async () => {
    await alertmanager?.stop();
    await running?.stop();
    await target?.close();
  });

  it('delivers a fired alert with the fingerprint Alertmanager computes, then its resolve', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await alertmanager.postAlerts([{ labels, annotations: { summary: 'disk full' }, startsAt }]);
    await eventually('the firing alert at the target', () =>
      target.requests.some((r) => delivered(r)?.status === 'firing'),
    );
    const firing = target.requests.map(delivered).find((a) => a?.status === 'firing');
    assert.deepEqual(firing?.labels, labels);
    assert.equal(firing?.fingerprint, fingerprintOf(labels));
    const held = await alertmanager.listAlerts();
    assert.ok(Array.isArray(held));
    const own = held.map((a: unknown): unknown =>
      typeof a === 'object' && a !== null ? Reflect.get(a, 'fingerprint') : undefined,
    );
    assert.deepEqual(own, [fingerprintOf(labels)]);

    await alertmanager.postAlerts([
      {
        labels,
        annotations: { summary: 'disk full' },
        startsAt,
        endsAt: new Date(Date.now() - 1_000).toISOString(),
      },
    ]);
    await eventually('the resolve at the target', () =>
      target.requests.some((r) => delivered(r)?.status === 'resolved'),
    );
    const resolved = target.requests.map(delivered).find((a) => a?.status === 'resolved');
    assert.equal(resolved?.fingerprint, firing?.fingerprint);
  });
});
