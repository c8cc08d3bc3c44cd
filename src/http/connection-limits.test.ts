import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';

import { pino } from 'pino';

import { createFakeDeps } from '../../test/support/service-fakes.js';
import { call } from '../../test/support/service-http.js';
import { eventually } from '../../test/support/eventually.js';
import type { ConnectionLimits } from './connection-limits.js';
import { HEALTH_RESERVE } from './connection-limits.js';
import type { HttpServer } from './server.js';
import { createServer } from './server.js';

/**
 * Issue 14, defect 2: connections that sent headers and part of a body, then idled, were
 * still open after 900 s; 20 000 of them exhausted the file limit and /healthz failed. These
 * run a real server with short limits and wait for the server to close sockets (events, not
 * sleeps: the limits are Node's own timers on real time).
 */
const LIMITS: ConnectionLimits = {
  maxConnections: 6,
  requestTimeoutMs: 400,
  headersTimeoutMs: 300,
  keepAliveTimeoutMs: 300,
  idleTimeoutMs: 60_000,
};

interface Started {
  server: HttpServer;
  port: number;
  url: string;
  logs: string[];
}

async function start(limits: ConnectionLimits): Promise<Started> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const server = createServer(
    createFakeDeps({ connections: limits }),
    pino({ level: 'info' }, stream),
  );
  const url = await server.listen('127.0.0.1', 0);
  return { server, url, port: Number(new URL(url).port), logs };
}

/** A raw TCP client; `closed` resolves with what the server sent before closing. */
function open(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
    socket.once('error', () => undefined); // a reset is one way of being closed
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/**
 * A server for the enclosing suite (started before it, closed after it) and raw clients whose
 * sockets are destroyed after each test.
 */
function serverWithClients(limits: ConnectionLimits): {
  server: () => Started;
  client: () => Promise<{ socket: Socket; closed: Promise<string> }>;
} {
  let running: Started | undefined;
  const sockets: Socket[] = [];
  const server = (): Started => {
    if (running === undefined) throw new Error('the server starts before the suite');
    return running;
  };
  before(async () => {
    running = await start(limits);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  after(async () => server().server.close());
  const client = async () => {
    const opened = await open(server().port);
    sockets.push(opened.socket);
    return opened;
  };
  return { server, client };
}

describe('connection limits', () => {
  const { client } = serverWithClients(LIMITS);

  it('closes a connection that sent its headers and part of a body, then nothing (408)', async () => {
    const { socket, closed } = await client();
    socket.write(
      'POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"alerts": [',
    );
    assert.match(await closed, /^HTTP\/1\.1 408/);
  });

  it('closes a connection that never finishes its headers', async () => {
    const { socket, closed } = await client();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    assert.match(await closed, /^HTTP\/1\.1 408/);
  });

  it('closes a kept-alive connection that sends no next request', async () => {
    const { socket, closed } = await client();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await closed, /^HTTP\/1\.1 200[\s\S]*"status":"ok"/);
  });
});

describe('connection cap', () => {
  // Long phase limits: clients hold their connections for the whole test.
  const { server, client } = serverWithClients({
    ...LIMITS,
    requestTimeoutMs: 60_000,
    headersTimeoutMs: 60_000,
  });

  it('at max_connections, health routes still answer, other requests get 503, and it is logged', async () => {
    // Clients that connect and hold: the cap is reached.
    const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, client));
    for (const { socket } of held) socket.write('P');
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await call(server().url, 'GET', path);
      assert.ok(res.status === 200 || res.status === 503, `${path}: ${res.status}`);
      assert.notEqual(res.headers['retry-after'], '1', `${path} answered by its route`);
    }
    const refused = await call(server().url, 'GET', '/api/v2/publishing/queue/status');
    assert.equal(refused.status, 503);
    assert.match(refused.text, /connection limit \(server\.max_connections\)/);
    assert.ok(server().logs.some((line) => line.includes('connection cap reached')));
    for (const { socket } of held) socket.destroy();
    await eventually('below the cap again, logged', () =>
      server().logs.some((line) => line.includes('below server.max_connections again')),
    );
    assert.equal((await call(server().url, 'GET', '/api/v2/publishing/queue/status')).status, 200);
  });

  it('refuses connections beyond the health reserve at once instead of holding them', async () => {
    const all = await Promise.all(
      Array.from({ length: LIMITS.maxConnections + HEALTH_RESERVE + 4 }, client),
    );
    const refusedAtOnce = all.slice(LIMITS.maxConnections + HEALTH_RESERVE);
    for (const { closed } of refusedAtOnce) assert.equal(await closed, '');
    // The reserve does not keep clients that send nothing either.
    const reserve = all.slice(LIMITS.maxConnections, LIMITS.maxConnections + HEALTH_RESERVE);
    await Promise.all(reserve.map(({ closed }) => closed));
  });
});
