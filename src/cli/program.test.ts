import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { aDlqEntry, createMemoryDlq } from '../../test/support/service-fake-dlq.js';
import { createFakeEngine } from '../../test/support/service-fake-engine.js';
import { createFakeDeps } from '../../test/support/service-fakes.js';
import type { FakeDeps } from '../../test/support/service-fakes.js';
import type { RunningServer } from '../../test/support/service-http.js';
import { startServer } from '../../test/support/service-http.js';
import type { CliRun } from '../../test/support/cli-run.js';
import { runCommand } from '../../test/support/cli-run.js';
import type { CliBackends, ConfigCheck } from './cli-context.js';

function backendsWith(overrides: Partial<CliBackends> = {}): CliBackends {
  return {
    serve: () => Promise.resolve(0),
    migrate: () => Promise.resolve({ applied: ['0001_publishing_dlq'], warnings: [] }),
    checkConfig: () => Promise.resolve({ source: 'x.yaml', problems: [], summary: ['2 targets'] }),
    openDatabaseDlq: () => Promise.reject(new Error('no database in this test')),
    configuredServer: () => Promise.reject(new Error('no config file in this test')),
    ...overrides,
  };
}

function cli(
  args: string[],
  env: Record<string, string> = {},
  backends: CliBackends = backendsWith(),
): Promise<CliRun> {
  return runCommand(args, backends, env);
}

describe('CLI against the running server', () => {
  let deps: FakeDeps;
  let running: RunningServer;
  let url: string;
  before(async () => {
    deps = createFakeDeps({ auth: { apiToken: 'cli-token', readToken: '', webhookToken: '' } });
    running = await startServer(deps);
    url = running.url;
  });
  after(async () => running.close());

  it('lists dead letters as a table and as JSON', async () => {
    const table = await cli(['dlq', 'list', '--url', url, '--token', 'cli-token']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^ID\s+FAILED_AT\s+TARGET/m);
    assert.ok(table.out.includes(deps.entries[0]?.id ?? 'missing'));
    const asJson = await cli(['dlq', 'list', '--url', url, '--json', '--target', 'chat'], {
      ALERT_PUBLISHER_API_TOKEN: 'cli-token',
    });
    assert.equal(asJson.code, 0, asJson.err);
    assert.equal((JSON.parse(asJson.out) as { total: number }).total, 1);
  });

  it('refuses a bad filter value before calling anything (exit 2)', async () => {
    const run = await cli(['dlq', 'list', '--url', url, '--error-type', 'fatal']);
    assert.equal(run.code, 2);
    assert.match(run.err, /--error-type/);
  });

  it('refuses a dead letter id that is not a UUID before calling anything (exit 2)', async () => {
    const stored = deps.entries.length;
    for (const command of ['show', 'replay', 'delete']) {
      const run = await cli(['dlq', command, 'notauuid', '--url', url, '--token', 'cli-token']);
      assert.equal(run.code, 2, `dlq ${command}: ${run.err}`);
      assert.match(run.err, /'notauuid' is invalid for argument 'id'\. must be a UUID/);
    }
    assert.equal(deps.entries.length, stored, 'nothing was deleted');
  });

  it('refuses a job id that is not a UUID before calling anything (exit 2)', async () => {
    const run = await cli(['jobs', 'show', '123', '--url', url, '--token', 'cli-token']);
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /'123' is invalid for argument 'id'\. must be a UUID/);
  });

  it('replays once, then reports already_replayed with exit 1', async () => {
    const id = deps.entries[0]?.id ?? '';
    const first = await cli(['dlq', 'replay', id, '--url', url, '--token', 'cli-token']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, new RegExp(`replayed ${id} as job [0-9a-f-]{36}`));
    const second = await cli(['dlq', 'replay', id, '--url', url, '--token', 'cli-token']);
    assert.equal(second.code, 1);
    assert.match(second.err, /already_replayed/);
  });

  it('bulk replay accounts for every matched letter, naming the targets that are gone', async () => {
    deps.entries.push(
      aDlqEntry({ target_name: 'removed', error_type: 'permanent', error_reason: 'client_error' }),
    );
    const args = ['dlq', 'replay', '--all', '--error-type', 'permanent', '--url', url];
    const auth = ['--token', 'cli-token'];
    const dry = await cli([...args, '--dry-run', ...auth]);
    assert.equal(dry.code, 0, dry.err);
    assert.equal(
      dry.out.trim(),
      'dry run: matched 2, would replay 1, skipped as superseded 0, ' +
        'skipped as target not configured 1 (removed), skipped as target failing 0 ' +
        '(nothing was submitted)',
    );
    const real = await cli([...args, ...auth]);
    assert.equal(real.code, 0, real.err);
    assert.equal(
      real.out.trim(),
      'matched 2, replayed 1, skipped as superseded 0, skipped as target not configured 1 (removed), ' +
        'skipped as target failing 0',
    );
  });

  it('bulk replay that ends at its limit with more letters behind says to run it again, exit 0', async () => {
    deps.entries.push(
      aDlqEntry({ error_reason: 'timeout' }),
      aDlqEntry({ error_reason: 'timeout' }),
    );
    const args = ['dlq', 'replay', '--all', '--reason', 'timeout', '--limit', '1', '--url', url];
    args.push('--token', 'cli-token');
    const dry = await cli([...args, '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(
      dry.out.trim(),
      /, more letters match than one run reaches \(nothing was submitted\)$/,
    );
    const real = await cli(args);
    assert.equal(real.code, 0, real.err);
    assert.match(real.out.trim(), /^matched 1, .*, more letters match: run it again$/);
  });

  it('purges, shows stats, lists targets', async () => {
    const purge = await cli([
      'dlq',
      'purge',
      '--older-than',
      '720h',
      '--url',
      url,
      '--token',
      'cli-token',
    ]);
    assert.equal(purge.code, 0, purge.err);
    assert.match(purge.out, /deleted 0 entries older than 720h/);
    const stats = await cli(['dlq', 'stats', '--url', url, '--token', 'cli-token']);
    assert.match(stats.out, /^total\s+\d+$/m);
    const targets = await cli(['targets', 'list', '--url', url, '--token', 'cli-token']);
    assert.match(targets.out, /^hook\s+webhook\s+true\s+closed\s+-\s+0\s+-$/m);
  });

  it('reports an unknown job with the server error code and exit 1', async () => {
    const run = await cli([
      'jobs',
      'show',
      '00000000-0000-4000-8000-000000000000',
      '--url',
      url,
      '--token',
      'cli-token',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.err, /not_found/);
  });

  it('reports a missing token as unauthorized', async () => {
    const run = await cli(['dlq', 'stats', '--url', url]);
    assert.equal(run.code, 1);
    assert.match(run.err, /unauthorized/);
  });
});

describe('CLI against a server whose queue is full', () => {
  const refusal = {
    error: { code: 'queue_full', message: 'cannot replay now: queue_full', details: [] },
  };
  const server = createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
    response.end(JSON.stringify(refusal));
  });
  let url: string;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });
  after(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('bulk replay with --json prints the refusal as the API error JSON on stdout and exits 1', async () => {
    const run = await cli(['dlq', 'replay', '--all', '--json', '--url', url]);
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.out), refusal);
    assert.match(run.err, /queue_full/);
  });
});

describe('CLI usage errors', () => {
  it('with --json also print the error envelope on stdout, and exit 2', async () => {
    const run = await cli(['--json', 'dlq', 'show', 'nope']);
    assert.equal(run.code, 2);
    const printed: unknown = JSON.parse(run.out);
    assert.deepEqual(printed, {
      error: {
        code: 'invalid_request',
        message: "command-argument value 'nope' is invalid for argument 'id'. must be a UUID",
        details: [],
      },
    });
    assert.match(run.err, /must be a UUID/);
  });

  it('without --json print on stderr only', async () => {
    const run = await cli(['dlq', 'show', 'nope']);
    assert.equal(run.code, 2);
    assert.equal(run.out, '');
    assert.match(run.err, /must be a UUID/);
  });
});

describe('CLI without a server', () => {
  it('says the server cannot be reached', async () => {
    const run = await cli(['targets', 'list', '--url', 'http://127.0.0.1:9']);
    assert.equal(run.code, 1);
    assert.match(run.err, /cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it('reads the DLQ from the database when DATABASE_URL is set', async () => {
    const entries = [aDlqEntry({ target_name: 'db-only' })];
    let closed = false;
    const backends = backendsWith({
      openDatabaseDlq: () =>
        Promise.resolve({
          ops: createMemoryDlq(entries, createFakeEngine()),
          close: () => {
            closed = true;
            return Promise.resolve();
          },
        }),
    });
    const run = await cli(
      ['dlq', 'list', '--url', 'http://127.0.0.1:9'],
      { DATABASE_URL: 'postgres://x' },
      backends,
    );
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /db-only/);
    assert.equal(closed, true);
  });

  it('lists every config problem and exits 2', async () => {
    const check: ConfigCheck = {
      source: 'x.yaml',
      problems: ['targets.0.url: must be an http:// or https:// URL', 'queue.workers: too small'],
      summary: [],
    };
    const run = await cli(
      ['config', 'check', '--config', 'x.yaml'],
      {},
      backendsWith({ checkConfig: () => Promise.resolve(check) }),
    );
    assert.equal(run.code, 2);
    assert.match(run.err, /^invalid configuration \(x\.yaml\):$/m);
    assert.match(run.err, /^ {2}- queue\.workers: too small$/m);
    assert.match(run.err, /targets\.0\.url/);
    assert.match(run.err, /queue\.workers/);
  });

  it('prints the version and help with exit 0', async () => {
    const version = await cli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.out, '1.2.3');
    const help = await cli(['dlq', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /purge/);
  });
});
