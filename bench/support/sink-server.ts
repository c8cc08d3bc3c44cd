/**
 * A local HTTP sink for benches, run in a child process so its work does not share the
 * bench's event loop: answers every request 200 `{"ok":true}` after reading the body, and
 * reports how many requests it served. Start with `startSinkServer()`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

interface Ready {
  type: 'ready';
  port: number;
}
interface Count {
  type: 'count';
  count: number;
}

export interface SinkServer {
  url: string;
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function startSinkServer(): Promise<SinkServer> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: Ready) => resolve(message.port));
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => ask(child),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function ask(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message: Count) => resolve(message.count));
    child.send('count');
  });
}

function serve(): void {
  let count = 0;
  const body = Buffer.from('{"ok":true}');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.send?.({ type: 'ready', port } satisfies Ready);
  });
  process.on('message', () => process.send?.({ type: 'count', count } satisfies Count));
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--child')) serve();
