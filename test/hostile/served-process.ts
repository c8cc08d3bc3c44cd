import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

import { eventually } from '../support/eventually.js';

/**
 * The service as a process (bin/alert-publisher.js serve) for test/hostile/service-fuzz.test.ts,
 * and the raw sockets that talk to it.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** The status line a server answered on a raw socket, or 0 if it closed without one. */
export function sendRaw(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset is an answer too
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0)));
    socket.on('connect', () => {
      socket.end(bytes);
    });
    socket.setTimeout(30_000, () => socket.destroy());
  });
}

/**
 * A connection that sends its headers and part of its body, then nothing: resolves with what
 * the server sent before it closed the connection (request_timeout).
 */
export function holdHalfSent(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(received));
    socket.on('connect', () =>
      socket.write(
        'POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"alerts": [',
      ),
    );
  });
}

export interface Served {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

export async function serve(configFile: string, url: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'alert-publisher.js'), 'serve', '--config', configFile],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // Logs at warn (the fuzz's 4xx lines would cost more than its requests): poll /healthz.
  await eventually(
    'the service answering /healthz',
    () =>
      fetch(`${url}/healthz`).then(
        (res) => res.ok,
        () => false,
      ),
    120_000,
  );
  return {
    url,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
