import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { REDACTED, redactTargetConfig, redactUrlsInText, redactUrl, secretsOf } from './redact.js';

describe('redactUrl', () => {
  it('drops userinfo', () => {
    assert.equal(redactUrl('https://user:pa55word@example.com/hook'), 'https://example.com/hook');
  });

  it('replaces every query value and keeps the names', () => {
    const out = redactUrl('https://example.com/hook?token=abc123&team=sre');
    assert.equal(out, 'https://example.com/hook?token=%5BREDACTED%5D&team=%5BREDACTED%5D');
    assert.doesNotMatch(out, /abc123/);
  });

  it('keeps only scheme and host when asked (Slack)', () => {
    assert.equal(
      redactUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET', { hostOnly: true }),
      'https://hooks.slack.com',
    );
  });

  it('replaces an unparseable URL whole', () => {
    assert.equal(redactUrl('not a url with secret'), REDACTED);
  });
});

describe('redactTargetConfig', () => {
  it('masks webhook signing secrets and credential headers, keeps other headers', () => {
    const out = redactTargetConfig({
      name: 'audit',
      type: 'webhook',
      url: 'https://audit.example.com/alerts?key=k1k1k1',
      headers: {
        Authorization: 'Bearer s3cr3t',
        'X-API-Key': 'k-123456',
        'X-Auth-Token': 'tok-9999',
        Cookie: 'sid=42424242',
        'X-Team': 'sre',
      },
      secret: 'whsec_c2VjcmV0c2VjcmV0',
    });
    assert.deepEqual(out, {
      name: 'audit',
      type: 'webhook',
      url: 'https://audit.example.com/alerts?key=%5BREDACTED%5D',
      headers: {
        Authorization: REDACTED,
        'X-API-Key': REDACTED,
        'X-Auth-Token': REDACTED,
        Cookie: REDACTED,
        'X-Team': 'sre',
      },
      secret: REDACTED,
    });
  });

  it('keeps only the host of a Slack URL', () => {
    const out = redactTargetConfig({
      name: 'chat',
      type: 'slack',
      url: 'https://hooks.slack.com/services/T1/B2/abcdefSECRET',
    });
    assert.equal(out['url'], 'https://hooks.slack.com');
  });

  it('masks PagerDuty routing keys and Rootly tokens, keeps the rest', () => {
    const pd = redactTargetConfig({
      name: 'oncall',
      type: 'pagerduty',
      routing_key: 'R0UT1NGKEY',
      url: 'https://events.pagerduty.com/v2/enqueue',
      client: 'alert-publisher',
      retry: { max_retries: 5 },
    });
    assert.equal(pd['routing_key'], REDACTED);
    assert.equal(pd['url'], 'https://events.pagerduty.com/v2/enqueue');
    assert.deepEqual(pd['retry'], { max_retries: 5 });
    const rootly = redactTargetConfig({ name: 'inc', type: 'rootly', token: 'rootly-tok' });
    assert.equal(rootly['token'], REDACTED);
  });

  it('leaves no secret anywhere in the serialised config', () => {
    const config = {
      name: 'x',
      type: 'webhook',
      url: 'https://u:p4ss@h.example/p?sig=SIGSIG',
      headers: { authorization: 'Basic QWxhZGRpbg==' },
      secret: 'whsec_QUJDREVGR0g=',
    };
    const json = JSON.stringify(redactTargetConfig(config));
    for (const secret of secretsOf(config)) assert.equal(json.includes(secret), false, secret);
  });
});

describe('secretsOf', () => {
  it('lists tokens, header credentials, URL userinfo and query values, and a Slack path', () => {
    assert.deepEqual(
      secretsOf({
        type: 'webhook',
        url: 'https://bob:hunter22@h.example/x?token=TTTT',
        headers: { 'X-API-Key': 'KKKK', 'X-Team': 'sre' },
        secret: 'whsec_AAAA',
      }).sort(),
      [
        'KKKK',
        'TTTT',
        'bob',
        'hunter22',
        'whsec_AAAA',
        // The Basic credentials the client sends for the userinfo (basic-auth.ts).
        Buffer.from('bob:hunter22').toString('base64'),
      ]
        .sort()
        .filter((s) => s.length >= 4),
    );
    assert.deepEqual(
      secretsOf({ type: 'slack', url: 'https://hooks.slack.com/services/T/B/ZZZZ' }),
      ['/services/T/B/ZZZZ', 'ZZZZ'],
    );
  });

  it('leaves out short plain numbers of a query, which are parameters, not credentials', () => {
    assert.deepEqual(
      secretsOf({ type: 'webhook', url: 'https://h.example/x?ms=6000&key=12345678&sig=a1b2' }),
      ['12345678', 'a1b2'],
    );
  });
});

describe('redactUrlsInText', () => {
  it('redacts userinfo and query values of every URL in a message, keeping the rest', () => {
    const text =
      'POST https://bot:hunter22@api.example.com/x?token=abc123 failed; retry https://h.example.com/y?k=v2';
    const out = redactUrlsInText(text);
    assert.doesNotMatch(out, /hunter22|abc123|v2\b|bot:/);
    assert.match(out, /^POST https:\/\/api\.example\.com\/x\?token=/);
    assert.match(out, /failed; retry https:\/\/h\.example\.com\/y\?k=/);
  });

  it('keeps only the host of a Slack webhook URL', () => {
    const out = redactUrlsInText('error from https://hooks.slack.com/services/T0/B0/XXXX (500)');
    assert.equal(out, 'error from https://hooks.slack.com (500)');
  });
});
