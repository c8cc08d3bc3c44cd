import { createServer, connect, type Socket } from 'node:net';

import { TEST_DATABASE_URL } from './databases.js';

/**
 * A TCP proxy the test owns in front of a server (PostgreSQL). `cut()` destroys every open
 * connection and refuses new ones (accepts, then closes at once); `hang()` keeps every
 * connection open but forwards nothing either way and accepts new ones without answering
 * (a server that stopped responding: queries and connects hang). `restore()` ends either:
 * hung connections are destroyed (their pending queries fail), new ones are forwarded.
 */
export interface TcpProxy {
  port: number;
  /** `postgres://…` URL of `targetUrl` rewritten to go through the proxy. */
  urlFor(targetUrl: string): string;
  cut(): void;
  hang(): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = 'open' | 'cut' | 'hang';

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const hung = new Set<Socket>();
  let mode: Mode = 'open';
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      hung.delete(socket);
    });
    // Resets are expected when the proxy cuts; the pair is torn down below.
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'hang') {
      hung.add(client);
      client.resume(); // read and discard
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;

  return {
    port,
    urlFor(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    hang() {
      mode = 'hang';
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        hung.add(client);
        hung.add(upstream);
        client.resume();
        upstream.resume();
      }
      pairs.clear();
    },
    restore() {
      mode = 'open';
      for (const socket of hung) socket.destroy();
      hung.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error === undefined ? resolve() : reject(error))),
      );
    },
  };
}

/** A proxy in front of the tests' PostgreSQL server (TEST_DATABASE_URL). */
export function proxyToTestDatabase(): Promise<TcpProxy> {
  const server = new URL(TEST_DATABASE_URL);
  return startTcpProxy(server.hostname, Number(server.port || 5432));
}
