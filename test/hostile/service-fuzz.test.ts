import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';
import { Pool } from 'undici';

import { createScratchDatabase, isPostgresReachable } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import type { TargetServer } from '../support/target-server.js';
import { startTargetServer } from '../support/target-server.js';
import type { HostileRequest } from './hostile-requests.js';
import { API_TOKEN, JSON_TYPE, hostileRequest, json } from './hostile-requests.js';
import type { Served } from './served-process.js';
import { freePort } from '../support/service-alertmanager.js';
import { holdHalfSent, sendRaw, serve } from './served-process.js';

/**
 * Issue 14, "Done when": the service as a process (bin/alert-publisher.js serve), on loopback,
 * takes 10 000 generated hostile requests (malformed HTTP, truncated bodies, bad JSON, NUL and
 * lone surrogates, `__proto__` keys, wrong charsets and encodings, gzip bombs, bodies over the
 * limit, hostile query values on every route, garbage credentials) with valid alerts among
 * them and 64 half-sent requests held open beside them, and: no answer is a 5xx, the half-sent
 * ones are closed with 408, /healthz and /readyz answer, every valid alert is delivered,
 * no configured secret reaches its output, and its RSS stays bounded. Count and time are
 * bounded; the requests are generated from a fixed seed (set FUZZ_SEED to explore others).
 */
const REQUESTS = 10_000;
const CONCURRENCY = 16;
const VALID_EVERY = 40;
const SEED = Number(process.env['FUZZ_SEED'] ?? 14);
/** Growth of the process's RSS over the run that counts as unbounded. */
const MAX_RSS_GROWTH_BYTES = 192 * 1024 * 1024;
const TOKEN = 'S3CR3T-AAA';

/** How long one request may go unanswered before the run fails (the server is stuck). */
const ANSWER_WITHIN_MS = 20_000;

/** Half-sent requests held open beside the fuzz (the attack left 20 000 open for 900 s). */
const HALF_SENT = 64;

const postgres = await isPostgresReachable();

/** Memory mode on PostgreSQL (PGlite without a server); durable mode needs PostgreSQL. */
for (const mode of ['memory', 'durable'] as const) {
  describe(`the service under 10 000 hostile requests (${mode} mode)`, () => {
    if (mode === 'durable' && !postgres) {
      it('runs against PostgreSQL', { skip: 'PostgreSQL unreachable' }, () => undefined);
      return;
    }
    let dir: string;
    let sink: TargetServer;
    let echo: TargetServer;
    let scratch: { url: string; drop: () => Promise<void> } | undefined;
    let served: Served;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ap-fuzz-'));
      sink = await startTargetServer();
      echo = await startTargetServer({ status: 400, body: `rejected token ${TOKEN}` });
      scratch = postgres ? await createScratchDatabase() : undefined;
      const file = join(dir, 'fuzz.yaml');
      const port = await freePort();
      await writeFile(
        file,
        `
server: { host: 127.0.0.1, port: ${port}, max_connections: 256, request_timeout: 2s, headers_timeout: 1s, keep_alive_timeout: 2s }
storage: { data_dir: "${join(dir, 'data')}", database_url: "${scratch?.url ?? ''}" }
auth: { api_token: ${API_TOKEN} }
queue: { mode: ${mode}, capacity: { high: 100000, medium: 100000, low: 100000 } }
retry: { max_retries: 0 }
shutdown_timeout: 2s
log: { level: warn }
targets:
  - { name: sink, type: webhook, url: "${sink.url}/in", match: ['team="ok"'] }
  - { name: echo, type: webhook, url: "${echo.url}/in", headers: { Authorization: "Bearer ${TOKEN}" }, match: ['team="echo"'] }
`,
      );
      served = await serve(file, `http://127.0.0.1:${port}`);
    });
    after(async () => {
      await served.stop();
      await sink.close();
      await echo.close();
      await scratch?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    const rss = async (pool: Pool): Promise<number> => {
      const res = await pool.request({ method: 'GET', path: '/metrics' });
      const text = await res.body.text();
      return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    };

    it(
      'answers none with a 5xx, stays healthy and bounded, and delivers every valid alert',
      { timeout: 180_000 },
      async () => {
        const port = Number(new URL(served.url).port);
        const pool = new Pool(served.url, { connections: CONCURRENCY, pipelining: 1 });
        const requests = fc.sample(hostileRequest, { numRuns: REQUESTS, seed: SEED });

        const statuses = new Map<number, number>();
        const fiveHundreds: string[] = [];
        const validJobs: string[] = [];
        const rssBefore = await rss(pool);
        const halfSent = Array.from({ length: HALF_SENT }, () => holdHalfSent(port));
        let rssMax = rssBefore;
        let next = 0;

        const send = async (request: HostileRequest): Promise<number> => {
          if (request.kind === 'raw') return sendRaw(port, request.bytes);
          try {
            const res = await pool.request({
              method: request.method,
              path: request.path,
              headers: request.headers,
              headersTimeout: ANSWER_WITHIN_MS,
              bodyTimeout: ANSWER_WITHIN_MS,
              ...(request.body === undefined ? {} : { body: request.body }),
            });
            const text = await res.body.text();
            if (res.statusCode >= 500)
              fiveHundreds.push(
                `${res.statusCode} ${request.method} ${request.path}: ${text.slice(0, 200)}`,
              );
            return res.statusCode;
          } catch (error: unknown) {
            // The server may close a connection it refused mid-body (a 413 before the upload ended).
            const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
            if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return 0;
            throw new Error(`${request.method} ${request.path}: ${String(code)}`, { cause: error });
          }
        };
        const sendValid = async (n: number): Promise<void> => {
          const res = await pool.request({
            method: 'POST',
            path: '/webhook',
            headers: JSON_TYPE,
            body: json({
              alerts: [
                { status: 'firing', labels: { alertname: 'Valid', team: 'ok', n: String(n) } },
              ],
            }),
          });
          const body = (await res.body.json()) as { job_ids?: string[] };
          assert.equal(res.statusCode, 202, JSON.stringify(body));
          validJobs.push(...(body.job_ids ?? []));
        };

        const worker = async (): Promise<void> => {
          for (let i = next++; i < requests.length; i = next++) {
            const request = requests[i];
            if (request === undefined) continue;
            const status = await send(request);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (i % VALID_EVERY === 0) await sendValid(i);
            if (i % 1000 === 0) rssMax = Math.max(rssMax, await rss(pool));
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));

        assert.deepEqual(fiveHundreds, [], `status counts: ${JSON.stringify([...statuses])}`);
        assert.ok(![...statuses.keys()].some((status) => status >= 500));
        for (const path of ['/healthz', '/readyz']) {
          const res = await pool.request({ method: 'GET', path });
          assert.equal(res.statusCode, 200, `${path}: ${await res.body.text()}`);
          await res.body.dump();
        }

        await eventually('every valid alert delivered', () => {
          const delivered = new Set<unknown>(
            sink.requests.map((r): unknown => Reflect.get(Object(r.json), 'job_id')),
          );
          return validJobs.every((id) => delivered.has(id));
        });
        assert.equal(validJobs.length, Math.ceil(REQUESTS / VALID_EVERY));
        // Every half-sent request was answered 408 and closed by the server, not by this test.
        for (const received of await Promise.all(halfSent)) {
          assert.match(received, /^HTTP\/1\.1 408/);
        }
        rssMax = Math.max(rssMax, await rss(pool));
        assert.ok(
          rssMax - rssBefore < MAX_RSS_GROWTH_BYTES,
          `RSS grew from ${rssBefore} to ${rssMax} bytes`,
        );
        // Letters of alerts the echo target refused are stored, its echoed token masked everywhere.
        const dlq = await pool.request({
          method: 'GET',
          path: '/api/v2/publishing/dlq?target=echo&limit=1000',
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        const page = await dlq.body.text();
        assert.ok((JSON.parse(page) as { total: number }).total > 0);
        assert.doesNotMatch(page, /S3CR3T/);
        assert.doesNotMatch(served.output(), /S3CR3T|api-token-fuzz/);
        await pool.close();
      },
    );
  });
}
