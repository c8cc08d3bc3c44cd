import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { problemsOf, source } from '../../test/support/config-problems.js';
import { ConfigError } from './config-error.js';
import { BUNDLED_CONFIG_PATH, configPathOf, loadConfig, parseConfig } from './load-config.js';

// Where the configuration comes from: ${VAR} interpolation, environment overrides, the file.
describe('parseConfig interpolation', () => {
  it('replaces ${VAR} in string values, with defaults and $${ escapes', () => {
    const config = parseConfig(
      [
        'auth: { api_token: "${TOKEN}", read_token: "${READ:-reader}", webhook_token: "$${LITERAL}" }',
        'targets:',
        '  - { name: chat, type: slack, url: "${SLACK_URL}" }',
      ].join('\n'),
      { env: { TOKEN: 's3cret', SLACK_URL: 'https://hooks.slack.com/services/T/B/X' }, source },
    );
    assert.equal(config.auth.api_token, 's3cret');
    assert.equal(config.auth.read_token, 'reader');
    assert.equal(config.auth.webhook_token, '${LITERAL}');
    assert.equal(
      config.targets[0]?.type === 'slack' && config.targets[0].url,
      'https://hooks.slack.com/services/T/B/X',
    );
  });

  it('gives an unquoted value that interpolates to a number that type; a quoted one stays a string', () => {
    const config = parseConfig('server:\n  port: ${APP_PORT}\nauth:\n  api_token: "${N}"\n', {
      env: { APP_PORT: '9090', N: '123' },
      source,
    });
    assert.equal(config.server.port, 9090);
    assert.equal(config.auth.api_token, '123');
  });

  it('names each missing variable and its key path, once', () => {
    assert.deepEqual(
      problemsOf(
        [
          'targets:',
          '  - { name: oncall, type: pagerduty, routing_key: "${PD_ROUTING_KEY}" }',
          '  - { name: chat, type: slack, url: "${SLACK_URL}" }',
        ].join('\n'),
      ),
      [
        'targets[0].routing_key: environment variable PD_ROUTING_KEY is not set',
        'targets[1].url: environment variable SLACK_URL is not set',
      ],
    );
  });

  it('interpolates values, not the raw text: a variable cannot inject YAML structure', () => {
    const config = parseConfig('auth: { api_token: "${T}" }\n', {
      env: { T: 'x"\nstorage: { database_url: "postgres://evil' },
      source,
    });
    assert.equal(config.auth.api_token, 'x"\nstorage: { database_url: "postgres://evil');
    assert.equal(config.storage.database_url, '');
  });
});

describe('environment overrides', () => {
  it('DATABASE_URL, PORT, ALERT_PUBLISHER_API_TOKEN and ALERT_PUBLISHER_DATA_DIR win over the file', () => {
    const config = parseConfig(
      'server: { port: 1 }\nauth: { api_token: file }\nstorage: { database_url: "", data_dir: ./d }\n',
      {
        env: {
          DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ap',
          PORT: '9999',
          ALERT_PUBLISHER_API_TOKEN: 'from-env',
          ALERT_PUBLISHER_DATA_DIR: '/data',
        },
        source,
      },
    );
    assert.equal(config.storage.database_url, 'postgres://postgres@127.0.0.1:5432/ap');
    assert.equal(config.server.port, 9999);
    assert.equal(config.auth.api_token, 'from-env');
    assert.equal(config.storage.data_dir, '/data');
  });

  it('ignores empty override variables', () => {
    const config = parseConfig('server: { port: 1234 }\n', { env: { PORT: '' }, source });
    assert.equal(config.server.port, 1234);
  });

  it('names the variable when an override is invalid', () => {
    assert.deepEqual(problemsOf('', { PORT: 'eighty' }), [
      'server.port: expected a port number 0-65535 (set by PORT)',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads the bundled example by default, which parses and has an enabled log target', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(
      config.targets.map((t) => [t.name, t.type, t.enabled]),
      [['console', 'log', true]],
    );
    assert.equal(config.queue.workers, 10);
  });

  it('shows every default in the bundled example: it parses to the defaults, targets aside', () => {
    const { targets: exampleTargets, ...example } = loadConfig({ env: {} });
    const { targets: noTargets, ...defaults } = parseConfig('', { env: {}, source });
    assert.equal(exampleTargets.length, 1);
    assert.deepEqual(noTargets, []);
    assert.deepEqual(example, defaults);
  });

  it('writes every top-level key in the bundled example', () => {
    const text = readFileSync(BUNDLED_CONFIG_PATH, 'utf8');
    for (const key of [
      'server',
      'auth',
      'storage',
      'shutdown_timeout',
      'shutdown_flush_timeout',
      'queue',
      'retry',
      'circuit_breaker',
      'tracking',
      'dlq',
      'targets',
      'log',
    ]) {
      assert.match(text, new RegExp(`^${key}:`, 'm'), key);
    }
  });

  it('takes the path from --config first, then ALERT_PUBLISHER_CONFIG, then the bundled file', () => {
    assert.equal(
      configPathOf({ path: '/a.yaml', env: { ALERT_PUBLISHER_CONFIG: '/b.yaml' } }),
      '/a.yaml',
    );
    assert.equal(configPathOf({ env: { ALERT_PUBLISHER_CONFIG: '/b.yaml' } }), '/b.yaml');
    assert.equal(configPathOf({ env: {} }), BUNDLED_CONFIG_PATH);
  });

  it('reads the file named by ALERT_PUBLISHER_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-config-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'queue: { workers: 3 }\n');
    assert.equal(loadConfig({ env: { ALERT_PUBLISHER_CONFIG: path } }).queue.workers, 3);
  });

  it('turns a missing file into a ConfigError naming it', () => {
    assert.throws(
      () => loadConfig({ path: '/nonexistent/alert-publisher.yaml', env: {} }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.source === '/nonexistent/alert-publisher.yaml' &&
        /cannot read the file/.test(error.problems[0]?.message ?? ''),
    );
  });
});
