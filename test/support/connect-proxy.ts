import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A forward HTTP proxy on 127.0.0.1 that tunnels `CONNECT host:port` (how undici's proxy agent
 * reaches every origin) to that address and records each tunnel's target.
 */
export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `host:port` of each tunnel asked for, in order. */
  readonly tunnels: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer closing mid-tunnel is expected when the client or the test closes.
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only');
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    track(client);
    const target = req.url ?? '';
    tunnels.push(target);
    const separator = target.lastIndexOf(':');
    const upstream = connect(
      Number(target.slice(separator + 1)),
      target.slice(0, separator),
      () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      },
    );
    track(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy is not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
