import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { anAlert } from '../../test/support/builders.js';
import { rootlyTargetSchema } from '../config/targets.js';
import type { Alert } from '../domain/alert.js';
import { MAX_ALERT_BYTES, ROOTLY_CUT_CHARS, rootlyAlertBody } from './rootly-alert-body.js';

const config = rootlyTargetSchema.parse({ name: 'incidents', type: 'rootly', token: 't' });

/**
 * The body the publisher sends for `alert` (byte for byte: rootly.test.ts), with its size in
 * UTF-8 bytes, its attributes and their `data`.
 */
function built(alert: Alert): {
  bytes: number;
  attributes: Record<string, unknown>;
  data: Record<string, unknown>;
} {
  const body = rootlyAlertBody(config, {
    jobId: 'job-1',
    target: 'incidents',
    alert,
    priority: 'high',
    attempt: 1,
  });
  const parsed = JSON.parse(body) as { data: { attributes: Record<string, unknown> } };
  const { attributes } = parsed.data;
  return {
    bytes: Buffer.byteLength(body),
    attributes,
    data: attributes['data'] as Record<string, unknown>,
  };
}

describe('rootly alert body', () => {
  it('never sends a blank summary (Rootly requires one): blank alertname and annotations are skipped', () => {
    const blank = anAlert({ alertname: ' ' }, { annotations: { summary: ' ', description: '' } });
    assert.equal(built(blank).attributes['summary'], 'alert');
    assert.equal(built(blank).attributes['description'], 'alert');
    const named = anAlert(
      { alertname: 'Src' },
      { annotations: { summary: '\t', description: ' ' } },
    );
    assert.equal(built(named).attributes['summary'], 'Src');
    assert.equal(built(named).attributes['description'], 'Src');
  });

  it('keeps an alert just under the bound whole', () => {
    // The description is sent twice (attribute and annotation): together just under the bound.
    const description = 'd'.repeat(MAX_ALERT_BYTES / 2 - 1_000);
    const sent = built(anAlert({}, { annotations: { description } }));
    assert.ok(
      sent.bytes > MAX_ALERT_BYTES - 2_000 && sent.bytes <= MAX_ALERT_BYTES,
      `${sent.bytes}`,
    );
    assert.ok(sent.attributes['description'] === description, 'description was cut');
    assert.ok(sent.data['annotations'] !== undefined, 'annotations were removed');
    assert.equal(sent.data['note'], undefined);
  });

  it('cuts an enormous label value (and the summary made from it) to fit, naming the labels in the note', () => {
    const huge = 'v'.repeat(2_000_000);
    const alert = anAlert({ alertname: huge, big: huge });
    const sent = built(alert);
    assert.ok(sent.bytes <= MAX_ALERT_BYTES, `${sent.bytes} bytes`);
    assert.equal(sent.attributes['deduplication_key'], alert.fingerprint);
    assert.equal(sent.attributes['external_id'], alert.fingerprint);
    assert.equal(sent.data['fingerprint'], alert.fingerprint);
    const cut = `${'v'.repeat(ROOTLY_CUT_CHARS.label - 1)}…`;
    assert.deepEqual(sent.attributes['labels'], [
      { key: 'alertname', value: cut },
      { key: 'instance', value: 'api-1:9100' },
      { key: 'big', value: cut },
    ]);
    assert.equal(String(sent.attributes['summary']).length, ROOTLY_CUT_CHARS.summary);
    assert.match(
      String(sent.data['note']),
      /; label names and values shortened: the alert exceeded 512 KB$/,
    );
  });

  it('removes the labels last, when many of them still do not fit, with a generatorURL too long to send', () => {
    const labels = Object.fromEntries(
      Array.from({ length: 1_000 }, (_, i) => [`label_${i}`, 'x'.repeat(1_000)]),
    );
    const generatorURL = `http://prometheus.local/graph?g0.expr=${'u'.repeat(600_000)}`;
    const alert = anAlert(labels, { generatorURL });
    const sent = built(alert);
    assert.ok(sent.bytes <= MAX_ALERT_BYTES, `${sent.bytes} bytes`);
    assert.equal(sent.attributes['labels'], undefined);
    assert.equal(sent.attributes['external_url'], undefined);
    assert.equal(sent.attributes['deduplication_key'], alert.fingerprint);
    assert.equal(sent.attributes['started_at'], alert.startsAt);
    assert.equal(
      sent.data['note'],
      'annotations and classification removed from data; summary and description shortened; external_url removed; labels removed: the alert exceeded 512 KB',
    );
  });
});
