import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { problemsOf, source } from '../../test/support/config-problems.js';
import { ConfigError } from './config-error.js';
import { parseConfig } from './load-config.js';
import { laneCapacityOf } from './schema.js';

describe('parseConfig defaults', () => {
  it('gives every SPEC default for an empty file, durations in ms and sizes in bytes', () => {
    const config = parseConfig('', { env: {}, source });
    assert.deepEqual(config, {
      server: {
        host: '0.0.0.0',
        port: 8080,
        body_limit: 1_048_576,
        request_timeout: 30_000,
        headers_timeout: 10_000,
        keep_alive_timeout: 72_000,
        idle_timeout: 60_000,
        max_connections: 512,
        allowed_hosts: [],
      },
      auth: { api_token: '', read_token: '', webhook_token: '' },
      storage: {
        database_url: '',
        data_dir: './data',
        connect_timeout: 5_000,
        query_timeout: 30_000,
      },
      shutdown_timeout: 30_000,
      shutdown_flush_timeout: 5_000,
      queue: {
        mode: 'memory',
        workers: 10,
        capacity: {},
        max_wait: { medium: 10_000, low: 60_000 },
        per_target_concurrency: 4,
        per_target_share: 0.5,
        admission_retry_after: 5_000,
        durable: {
          lease: 0,
          heartbeat: 5_000,
          poll_interval: 2_000,
          prefetch_per_worker: 1,
          completion_batch: 500,
          retention: 86_400_000,
          purge_interval: 60_000,
          purge_batch: 1_000,
        },
      },
      retry: {
        max_retries: 3,
        base: 2_000,
        factor: 2,
        max_delay: 30_000,
        jitter: 1_000,
        max_retry_after: 300_000,
        max_job_age: 3_600_000,
      },
      circuit_breaker: { failure_threshold: 5, success_threshold: 2, open_timeout: 30_000 },
      tracking: { capacity: 10_000 },
      dlq: {
        retention: 2_592_000_000,
        purge_interval: 3_600_000,
        write_batch: 500,
        write_retry: { base: 1_000, max_delay: 30_000 },
      },
      targets: [],
      log: { level: 'info' },
    });
    assert.deepEqual(laneCapacityOf(config.queue), { high: 500, medium: 1000, low: 500 });
  });

  it('fills the defaults of a partly written nested block', () => {
    const config = parseConfig('queue:\n  capacity: { high: 50 }\n', { env: {}, source });
    assert.deepEqual(laneCapacityOf(config.queue), { high: 50, medium: 1000, low: 500 });
    assert.equal(config.queue.workers, 10);
  });

  it('gives target defaults and reads sizes and durations', () => {
    const config = parseConfig(
      [
        'server: { body_limit: 512KiB }',
        'shutdown_timeout: 1m30s',
        'targets:',
        '  - { name: audit, type: webhook, url: "https://audit.example.com/a" }',
      ].join('\n'),
      { env: {}, source },
    );
    assert.equal(config.server.body_limit, 524_288);
    assert.equal(config.shutdown_timeout, 90_000);
    const [target] = config.targets;
    assert.equal(target?.type, 'webhook');
    assert.equal(target?.enabled, true);
    assert.deepEqual(target?.match, []);
    assert.equal(target?.timeout, 10_000);
  });
});

describe('parseConfig errors name their key path', () => {
  it('lists every problem at once', () => {
    const problems = problemsOf(
      [
        'server: { hots: x, port: 70000 }',
        'queue: { workers: 0, capacity: { high: -1 }, mode: fast, per_target_share: 2 }',
        'retry: { base: soon, factor: 0.5 }',
        'circuit_breaker: { open_timeout: 0s }',
        'log: { level: loud }',
        'storage: { database_url: "mysql://x" }',
        'typo_section: {}',
      ].join('\n'),
    );
    assert.deepEqual(problems.sort(), [
      'circuit_breaker.open_timeout: must be greater than 0',
      'log.level: must be one of trace, debug, info, warn, error, fatal, silent',
      'queue.capacity.high: expected a positive integer',
      'queue.mode: must be memory or durable',
      'queue.per_target_share: expected a number greater than 0 and at most 1',
      'queue.workers: expected a positive integer',
      'retry.base: invalid duration "soon": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m',
      'retry.factor: expected a number 1-10',
      'server.hots: unknown key',
      'server.port: expected a port number 0-65535',
      'storage.database_url: must be a postgres:// or postgresql:// URL (or empty for the embedded database)',
      'typo_section: unknown key',
    ]);
  });

  it('names the key of each bad shutdown flush, admission Retry-After and dead-letter write setting', () => {
    const problems = problemsOf(
      [
        'shutdown_flush_timeout: 0s',
        'queue: { admission_retry_after: soon }',
        'dlq:',
        '  write_batch: 20000',
        '  write_retry: { base: 0s, max_delay: -1s, jitter: 1s }',
      ].join('\n'),
    );
    assert.deepEqual(problems.sort(), [
      'dlq.write_batch: expected an integer 1-10000',
      'dlq.write_retry.base: must be greater than 0',
      'dlq.write_retry.jitter: unknown key',
      'dlq.write_retry.max_delay: invalid duration "-1s": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m',
      'queue.admission_retry_after: invalid duration "soon": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m',
      'shutdown_flush_timeout: must be greater than 0',
    ]);
    assert.deepEqual(problemsOf('dlq: { write_batch: 1.5 }'), [
      'dlq.write_batch: expected an integer 1-10000',
    ]);
  });

  it('names connection limits that cannot work together', () => {
    assert.deepEqual(
      problemsOf('server: { request_timeout: 5s, headers_timeout: 10s, max_connections: 0 }'),
      [
        'server.max_connections: expected an integer 1-100000',
        'server.headers_timeout: must not exceed server.request_timeout',
      ],
    );
  });

  it('reads server.allowed_hosts as lower-case names and bare IPv6 addresses', () => {
    const config = parseConfig(
      'server: { allowed_hosts: [Publisher.Internal., 10.0.0.5, "[FD00::5]", "fd00::6"] }',
      { env: {}, source },
    );
    assert.deepEqual(config.server.allowed_hosts, [
      'publisher.internal',
      '10.0.0.5',
      'fd00::5',
      'fd00::6',
    ]);
  });

  it('names each server.allowed_hosts entry that is not a bare host name', () => {
    const rule =
      'a host name or IP address without scheme, port or wildcard (e.g. alert-publisher.internal, 10.0.0.5, [fd00::5])';
    assert.deepEqual(
      problemsOf(
        'server: { allowed_hosts: [ok.example, "ok.example:8080", "http://ok.example", "*.example", "", 7] }',
      ),
      [
        `server.allowed_hosts[1]: "ok.example:8080" is not ${rule}`,
        `server.allowed_hosts[2]: "http://ok.example" is not ${rule}`,
        `server.allowed_hosts[3]: "*.example" is not ${rule}`,
        `server.allowed_hosts[4]: "" is not ${rule}`,
        `server.allowed_hosts[5]: expected ${rule}`,
      ],
    );
    assert.deepEqual(problemsOf('server: { allowed_hosts: ok.example }'), [
      'server.allowed_hosts: expected a list of host names',
    ]);
  });

  it('names each target timeout a set durable lease does not cover, in durable mode only', () => {
    const lease = 'lease: 20s, heartbeat: 5s';
    const targets = [
      'targets:',
      '  - { name: a, type: log, timeout: 14s }',
      '  - { name: b, type: log, timeout: 15s }',
    ].join('\n');
    assert.deepEqual(problemsOf(`queue: { mode: durable, durable: { ${lease} } }\n${targets}`), [
      'targets[1].timeout: 15s plus the heartbeat (5s) must stay under the durable lease ' +
        '(20s, queue.durable.lease)',
    ]);
    const memory = `queue: { mode: memory, durable: { ${lease} } }\n${targets}`;
    assert.equal(parseConfig(memory, { env: {}, source }).targets.length, 2);
    const derived = `queue: { mode: durable }\n${targets}`;
    assert.equal(parseConfig(derived, { env: {}, source }).targets.length, 2);
  });

  it('names nested target keys: url, type, unknown keys, matchers, retry overrides', () => {
    const problems = problemsOf(
      [
        'targets:',
        '  - { name: a, type: log }',
        '  - { name: b, type: slack, url: "https://hooks.slack.com/x", match: [\'team="db"\', \'severity=~"(crit"\'] }',
        '  - { name: c, type: webhook, url: "ftp://x", colour: red }',
        '  - { name: d, type: carrier-pigeon }',
        '  - { name: e, type: pagerduty, routing_key: a1b2c3d4e5f60718293a4b5c6d7e8f90, retry: { max_retries: -1, bogus: 1 } }',
        '  - { name: f, type: webhook }',
        '  - { name: "bad name", type: log }',
        '  - { name: a, type: log, match: ["no operator"] }',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      'targets[1].match[1]: invalid regular expression in matcher severity=~"(crit": ' +
        problems[0]?.split('severity=~"(crit": ')[1],
      'targets[2].url: must be an http:// or https:// URL',
      'targets[2].colour: unknown key',
      'targets[3].type: must be one of webhook, slack, pagerduty, rootly, log, got "carrier-pigeon" (the other keys are checked once it is valid)',
      'targets[4].retry.max_retries: must be at least 0',
      'targets[4].retry.bogus: unknown key',
      'targets[5].url: must be an http:// or https:// URL',
      'targets[6].name: letters, digits, "_", "." and "-", at most 63',
      'targets[7].match[0]: bad matcher format: no operator (expected name=value, name!=value, name=~regex or name!~regex)',
      'targets[7].name: duplicate target name "a" (also targets[0])',
    ]);
  });

  it('refuses a target timeout or retry override of 0, as the global keys do; jitter may be 0', () => {
    const problems = problemsOf(
      [
        'targets:',
        '  - { name: a, type: log, timeout: 0s }',
        '  - name: b',
        '    type: log',
        '    retry: { base: 0s, max_delay: 0, max_retry_after: 0ms, max_job_age: 0s, jitter: 0s }',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      'targets[0].timeout: must be greater than 0',
      'targets[1].retry.base: must be greater than 0',
      'targets[1].retry.max_delay: must be greater than 0',
      'targets[1].retry.max_retry_after: must be greater than 0',
      'targets[1].retry.max_job_age: must be greater than 0',
    ]);
    const [target] = parseConfig('targets: [{ name: a, type: log, retry: { jitter: 0s } }]', {
      env: {},
      source,
    }).targets;
    assert.equal(target?.retry.jitter, 0);
  });

  it('refuses a bare number for a duration, naming the key; 0 alone is accepted where 0 is', () => {
    const problems = problemsOf(
      [
        'shutdown_timeout: 30',
        'retry: { base: 2000 }',
        'queue: { max_wait: { low: 60 } }',
        'targets: [{ name: a, type: log, timeout: 10 }]',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      'shutdown_timeout: a duration needs a unit, e.g. "30s" (a bare 30 would be 30 ms)',
      'queue.max_wait.low: a duration needs a unit, e.g. "60s" (a bare 60 would be 60 ms)',
      'retry.base: a duration needs a unit, e.g. "2000s" (a bare 2000 would be 2000 ms)',
      'targets[0].timeout: a duration needs a unit, e.g. "10s" (a bare 10 would be 10 ms)',
    ]);
    const config = parseConfig('queue: { durable: { lease: 0 } }\nretry: { jitter: 0 }\n', {
      env: {},
      source,
    });
    assert.equal(config.queue.durable.lease, 0);
    assert.equal(config.retry.jitter, 0);
  });

  it('names the reason of a bad rate_limit, written as a rate or as a mapping', () => {
    const rate = 'expected a rate such as "1/s", "120/m" or "10/h" (more than 0, at most 100000/s)';
    const problems = problemsOf(
      [
        'targets:',
        '  - { name: a, type: log, rate_limit: 0/s }',
        '  - { name: b, type: log, rate_limit: { rate: 0/s } }',
        '  - { name: c, type: log, rate_limit: { rate: 1/s, burst: 0, brust: 2 } }',
        '  - { name: d, type: log, rate_limit: 5 }',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      `targets[0].rate_limit: ${rate}`,
      `targets[1].rate_limit.rate: ${rate}`,
      'targets[2].rate_limit.burst: must be at least 1',
      'targets[2].rate_limit.brust: unknown key',
      'targets[3].rate_limit: expected a rate such as "1/s" or a mapping { rate, burst }',
    ]);
  });

  it('reads a target resend_after as a duration, unset by default, and names a bad one', () => {
    const [audit, chat] = parseConfig(
      [
        'targets:',
        '  - { name: audit, type: log }',
        '  - { name: chat, type: slack, url: "https://hooks.slack.com/x", resend_after: 1h }',
      ].join('\n'),
      { env: {}, source },
    ).targets;
    assert.equal(audit?.resend_after, undefined);
    assert.equal(chat?.resend_after, 3_600_000);
    assert.deepEqual(problemsOf('targets:\n  - { name: a, type: log, resend_after: soon }'), [
      'targets[0].resend_after: invalid duration "soon": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m',
    ]);
  });

  it('reports duplicate target names with both positions', () => {
    assert.deepEqual(
      problemsOf('targets:\n  - { name: a, type: log }\n  - { name: a, type: log }\n'),
      ['targets[1].name: duplicate target name "a" (also targets[0])'],
    );
  });

  it('names a missing target type as required, with the types to choose from', () => {
    assert.deepEqual(problemsOf('targets:\n  - { name: a, url: "http://127.0.0.1:9/x" }\n'), [
      'targets[0].type: required: one of webhook, slack, pagerduty, rootly, log',
    ]);
  });

  it('lists a duplicate target name with the other problems of the targets', () => {
    assert.deepEqual(
      problemsOf(
        [
          'targets:',
          '  - { name: a, type: webhook, url: "ftp://x" }',
          '  - { name: a, type: log, timeout: soon }',
          '  - { type: log }',
          '  - 7',
          '  - { name: b, type: log }',
          '  - { name: b, type: carrier-pigeon }',
        ].join('\n'),
      ),
      [
        'targets[0].url: must be an http:// or https:// URL',
        'targets[1].timeout: invalid duration "soon": use a Prometheus duration such as 500ms, 30s, 5m or 1h30m',
        'targets[2].name: required',
        'targets[3]: expected object, got number',
        'targets[5].type: must be one of webhook, slack, pagerduty, rootly, log, got "carrier-pigeon" (the other keys are checked once it is valid)',
        'targets[1].name: duplicate target name "a" (also targets[0])',
        'targets[5].name: duplicate target name "b" (also targets[4])',
      ],
    );
  });

  it('says "required" for a missing field and names the wrong type it got', () => {
    assert.deepEqual(problemsOf('targets:\n  - { type: rootly }\nserver: { host: [] }\n'), [
      'server.host: expected string, got a list',
      'targets[0].name: required',
      'targets[0].token: required',
    ]);
  });

  it('reports YAML syntax errors with line and column and no stack trace', () => {
    const problems = problemsOf('server:\n  port: 8080\n  host: [unclosed\n');
    assert.equal(problems.length > 0, true);
    assert.match(problems[0] ?? '', /^: YAML syntax error: line \d+, column \d+: /);
  });

  it('refuses a key written twice', () => {
    const problems = problemsOf('queue:\n  workers: 2\n  workers: 3\n');
    assert.match(
      problems[0] ?? '',
      /^: YAML syntax error: line 3, column 3: Map keys must be unique/,
    );
  });

  it('refuses a file that is not a mapping', () => {
    assert.deepEqual(problemsOf('- a\n- b\n'), [': expected object, got a list']);
  });

  it('words the whole error as one readable message listing every problem', () => {
    try {
      parseConfig('queue: { workers: 0 }\nbogus: 1\n', { env: {}, source });
      assert.fail('expected a ConfigError');
    } catch (error: unknown) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'invalid_config');
      assert.equal(
        error.message,
        'invalid configuration (test.yaml):\n  - queue.workers: expected a positive integer\n  - bogus: unknown key',
      );
    }
  });
});
