import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import pg from 'pg';

import { anAlert } from '../support/builders.js';
import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/service-alertmanager.js';
import { proxyToTestDatabase, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * The `serve` process at its edges (src/serve.ts): a graceful stop exits even when a connection
 * to a database that stopped answering is still open, a SIGHUP while starting is applied once
 * started and one while stopping is ignored (neither kills the process), and the start warns
 * when a request of 100 alerts could be refused.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Serving {
  output(): string;
  exited: Promise<number | null>;
  /** The exit code once exited (null after a signal), undefined while running. */
  exitCode(): number | null | undefined;
  signal(name: NodeJS.Signals): void;
  /** Whether the process has a listener for SIGHUP now (its SigCgt in /proc). */
  catchesHangup(): Promise<boolean>;
  /**
   * Waits until the output holds `text`; fails at once, with the output, when the process ends
   * first (a SIGHUP before its listener killed it, and the wait ran into its hang guard).
   */
  printed(text: string, timeoutMs?: number): Promise<void>;
}

function serveProcess(configFile: string): Serving {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'alert-publisher.js'), 'serve', '--config', configFile],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let code: number | null | undefined;
  let ending = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode, signal) => {
      ending = signal === null ? `exited ${exitCode}` : `killed by ${signal}`;
      resolve((code = exitCode));
    }),
  );
  return {
    output: () => output,
    exited,
    exitCode: () => code,
    signal: (name) => child.kill(name),
    catchesHangup: async () => {
      const status = await readFile(`/proc/${String(child.pid)}/status`, 'utf8').catch(() => '');
      const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
      // SIGHUP is signal 1: the lowest bit.
      return caught !== undefined && (BigInt(`0x${caught}`) & 1n) === 1n;
    },
    printed: async (text, timeoutMs) => {
      await eventually(
        text,
        () => {
          if (output.includes(text)) return true;
          if (ending !== '') throw new Error(`${ending} before printing ${text}:\n${output}`);
          return false;
        },
        timeoutMs,
      );
    },
  };
}

/** A target that holds each request until the test answers it (`answer`), on 127.0.0.1. */
async function startHoldingTarget(): Promise<{
  url: string;
  held: () => number;
  answer: (status: number) => void;
  close: () => Promise<void>;
}> {
  const waiting: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => waiting.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}`,
    held: () => waiting.length,
    answer: (status) => {
      for (const res of waiting.splice(0)) res.writeHead(status).end();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the serve process at its edges', async () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stop-exit-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** When the SIGHUP is sent: each waits until then. */
  const hangups: Array<{ when: string; sendAfter: (serving: Serving) => Promise<unknown> }> = [
    // As soon as the first line is read: the service's listener must already be there.
    {
      when: 'while it starts',
      sendAfter: (serving) => serving.printed('alert-publisher starting'),
    },
    // As soon as the process has a listener: the entry point's, before the service's modules
    // load (src/hangup-while-loading.ts). Without it the signal's default action killed the
    // process without a line for the second or so the modules take to load.
    {
      when: 'while its modules load',
      sendAfter: (serving) =>
        eventually('a SIGHUP listener', () => serving.catchesHangup(), 60_000),
    },
  ];
  for (const [n, { when, sendAfter }] of hangups.entries()) {
    it(`applies a SIGHUP that arrives ${when}, once started`, async () => {
      const config = join(dir, `hangup-${n}.yaml`);
      const port = await freePort();
      await writeFile(
        config,
        `server: { port: ${port}, host: 127.0.0.1 }\nstorage: { data_dir: ${join(dir, `data-${n}`)} }\ntargets: []\n`,
      );
      const serving = serveProcess(config);
      try {
        await sendAfter(serving);
        serving.signal('SIGHUP');
        // The first start creates the embedded database (initdb): on a loaded machine that
        // alone took over 30 s once. A hang guard, not a timing assertion.
        await serving.printed('alert-publisher listening', 150_000);
        await serving.printed('"msg":"configuration reloaded"');
      } finally {
        serving.signal('SIGTERM');
      }
      assert.equal(await serving.exited, 0, serving.output());
    });
  }

  it('warns at start when the targets make 100 alerts a request too many', async () => {
    const config = join(dir, 'six.yaml');
    const port = await freePort();
    const targets = Array.from({ length: 6 }, (_, k) => `  - { name: t${k}, type: log }`);
    await writeFile(
      config,
      [
        `server: { port: ${port}, host: 127.0.0.1 }`,
        `storage: { data_dir: ${join(dir, 'data-six')} }`,
        'targets:',
        ...targets,
        '',
      ].join('\n'),
    );
    const serving = serveProcess(config);
    try {
      // A fresh embedded database again (see above).
      await serving.printed('alert-publisher listening', 150_000);
      assert.match(serving.output(), /"max_alerts":83/);
      assert.match(serving.output(), /a webhook request of more than 83 alerts may be refused/);
    } finally {
      serving.signal('SIGTERM');
    }
    assert.equal(await serving.exited, 0, serving.output());
  });

  if (!(await isPostgresReachable())) {
    it('needs PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
    return;
  }

  it('exits after a graceful stop while the database no longer answers (durable mode)', async () => {
    const proxy: TcpProxy = await proxyToTestDatabase();
    const scratch = await createScratchDatabase();
    const config = join(dir, 'blackhole.yaml');
    const port = await freePort();
    await writeFile(
      config,
      [
        `server: { port: ${port}, host: 127.0.0.1 }`,
        `storage: { database_url: "${proxy.urlFor(scratch.url)}", connect_timeout: 1s, query_timeout: 2s }`,
        'queue: { mode: durable }',
        'shutdown_timeout: 1s',
        'shutdown_flush_timeout: 1s',
        'targets: []',
        '',
      ].join('\n'),
    );
    const serving = serveProcess(config);
    try {
      await serving.printed('alert-publisher listening');
      // The LISTEN connection is lost, and its reconnects then meet a server that never answers.
      proxy.cut();
      await eventually('the loss', () => serving.output().includes('LISTEN connection lost'));
      proxy.hang();
      serving.signal('SIGTERM');
      await eventually('the stop', () => serving.output().includes('"msg":"stopped"'));
      // Before the fix the process stayed alive on the hung sockets until they were closed.
      await eventually('the exit', () => serving.exitCode() !== undefined);
      assert.equal(serving.exitCode(), 0, serving.output());
    } finally {
      serving.signal('SIGKILL');
      proxy.restore();
      await proxy.close();
      await scratch.drop();
    }
  });

  it('exits 1 with one error line naming host:port when the port is taken (durable mode)', async () => {
    const occupier = createNetServer();
    await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
    const address = occupier.address();
    if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
    const scratch = await createScratchDatabase();
    const config = join(dir, 'port-taken.yaml');
    await writeFile(
      config,
      [
        `server: { port: ${address.port}, host: 127.0.0.1 }`,
        `storage: { database_url: "${scratch.url}" }`,
        'queue: { mode: durable }',
        'targets: []',
        '',
      ].join('\n'),
    );
    const serving = serveProcess(config);
    try {
      // Before the fix it stayed up, serving nothing, with its database connections open.
      await eventually('the exit', () => serving.exitCode() !== undefined);
      assert.equal(serving.exitCode(), 1, serving.output());
      const errors = serving
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50'));
      assert.equal(errors.length, 1, serving.output());
      assert.match(errors[0] ?? '', /"msg":"cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      assert.ok(errors[0]?.includes(`127.0.0.1:${address.port}`), errors[0]);
      assert.doesNotMatch(serving.output(), /alert-publisher listening/);
    } finally {
      serving.signal('SIGKILL');
      await new Promise((resolve) => occupier.close(resolve));
      await scratch.drop();
    }
  });

  it('ignores a SIGHUP while it stops and finishes the stop (memory mode)', async () => {
    const target = await startHoldingTarget();
    const scratch = await createScratchDatabase();
    const config = join(dir, 'hangup-while-stopping.yaml');
    const port = await freePort();
    // The held attempt keeps the drain going until the test answers it, so the SIGHUP lands
    // mid-stop; the timeouts are only hang guards. The retry after the 503 is due long after
    // the drain's deadline, so the stop dead-letters the job with reason shutdown.
    await writeFile(
      config,
      [
        `server: { port: ${port}, host: 127.0.0.1 }`,
        `storage: { database_url: "${scratch.url}" }`,
        'queue: { mode: memory }',
        'shutdown_timeout: 120s',
        'retry: { base: 1h, max_delay: 1h, jitter: 0s }',
        'targets:',
        `  - { name: held, type: webhook, url: "${target.url}/hook", timeout: 120s }`,
        '',
      ].join('\n'),
    );
    const serving = serveProcess(config);
    try {
      await serving.printed('alert-publisher listening');
      const res = await fetch(`http://127.0.0.1:${port}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', status: 'firing', alerts: [anAlert()] }),
      });
      assert.equal(res.status, 202, await res.text());
      await eventually('the attempt held by the target', () => target.held() === 1);
      serving.signal('SIGTERM');
      await eventually('the stop', () => serving.output().includes('"msg":"stopping"'));
      serving.signal('SIGHUP');
      // Before the fix no listener was left for SIGHUP: its default action killed the process.
      await eventually(
        'the SIGHUP handled or the process gone',
        () =>
          serving.output().includes('"msg":"reload ignored: stopping"') ||
          serving.exitCode() !== undefined,
      );
      assert.equal(serving.exitCode(), undefined, serving.output());
      target.answer(503);
      assert.equal(await serving.exited, 0, serving.output());
      assert.match(serving.output(), /"dead_lettered_at_stop":1\b.*"msg":"engine stopped"/);
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      try {
        const { rows } = await db.query<{ error_reason: string }>(
          'SELECT error_reason FROM publishing_dlq',
        );
        assert.deepEqual(rows, [{ error_reason: 'shutdown' }]);
      } finally {
        await db.end();
      }
    } finally {
      serving.signal('SIGKILL');
      await target.close();
      await scratch.drop();
    }
  });
});
