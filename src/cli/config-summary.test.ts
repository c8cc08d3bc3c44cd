import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

import { parseConfig } from '../config/load-config.js';
import { describeDatabaseUrl } from '../db/describe-database-url.js';
import { summarizeConfig, summaryLines } from './config-summary.js';

function summaryOf(
  yaml: string,
  env: Record<string, string> = {},
): ReturnType<typeof summarizeConfig> {
  return summarizeConfig(parseConfig(yaml, { env, source: 'test.yaml' }), 'conf/ap.yaml');
}

describe('config summary', () => {
  it('names the file, mode, embedded storage path, auth, address and targets', () => {
    const summary = summaryOf(
      [
        'server: { host: 127.0.0.1, port: 9090 }',
        'storage: { data_dir: /var/lib/ap }',
        'auth: { webhook_token: w }',
        'targets:',
        '  - { name: chat, type: slack, url: "https://hooks.slack.com/services/x" }',
        '  - { name: off, type: log, enabled: false }',
      ].join('\n'),
    );
    assert.deepEqual(summary, {
      config: resolve('conf/ap.yaml'),
      mode: 'memory',
      workers: 10,
      storage: 'embedded PGlite in /var/lib/ap/pglite',
      auth: {
        webhook: 'bearer token',
        api: 'reads open, writes from loopback only (no api_token)',
      },
      listen: '127.0.0.1:9090',
      targets: ['chat (slack)', 'off (log, disabled)'],
      max_alerts: 500, // one enabled target: the smallest lane, 500
    });
  });

  it('bounds max_alerts by every lane and every target share, enabled targets only', () => {
    const targets = (n: number): string =>
      ['targets:', ...Array.from({ length: n }, (_, k) => `  - { name: t${k}, type: log }`)].join(
        '\n',
      );
    // Six targets: 500 / 6 in the high and low lanes (a tester's 100 alerts were refused).
    assert.equal(summaryOf(targets(6)).max_alerts, 83);
    // Two targets: each may hold half of a lane.
    assert.equal(summaryOf(targets(2)).max_alerts, 250);
    assert.equal(
      summaryOf(`queue: { capacity: { low: 60 }, per_target_share: 0.1 }\n${targets(2)}`)
        .max_alerts,
      6,
    );
    assert.equal(summaryOf('targets: []').max_alerts, undefined);
    assert.match(
      summaryLines(summaryOf(targets(6))).at(-1) ?? '',
      /^max_alerts: a webhook request of up to 83 alerts is never refused as too large/,
    );
  });

  it('shows a database by host, port and name, never its user, password or query', () => {
    const url = 'postgres://ap:s3cret@db.internal:6432/alerts?sslmode=require&password=other';
    const summary = summaryOf('queue: { mode: durable }', { DATABASE_URL: url });
    assert.equal(summary.storage, 'PostgreSQL at db.internal:6432/alerts');
    assert.doesNotMatch(JSON.stringify(summary), /s3cret|other|ap:/);
    assert.equal(describeDatabaseUrl('postgresql://u@h/d'), 'h:5432/d');
    assert.equal(
      describeDatabaseUrl('postgres:///alerts?host=/var/run/postgresql'),
      '/var/run/postgresql:5432/alerts',
    );
    assert.equal(describeDatabaseUrl('postgres://h:5'), 'h:5/(default database)');
    assert.equal(describeDatabaseUrl('postgres://[bad'), 'an unparsable URL');
  });

  it('says which tokens guard /api', () => {
    const api = (auth: string): string => summaryOf(`auth: ${auth}`).auth.api;
    assert.equal(api('{ api_token: a }'), 'bearer token');
    assert.equal(api('{ api_token: a, read_token: r }'), 'bearer token (reads also read_token)');
    assert.equal(api('{ read_token: r }'), 'reads need read_token, writes from loopback only');
  });

  it('renders the lines config check prints', () => {
    assert.deepEqual(summaryLines(summaryOf('')), [
      'server: 0.0.0.0:8080',
      'queue: memory mode, 10 workers',
      `storage: embedded PGlite in ${resolve('data', 'pglite')}`,
      'auth: /webhook open (no webhook_token); /api reads open, writes from loopback only (no api_token)',
      'targets: none (every alert is unrouted)',
    ]);
  });
});
