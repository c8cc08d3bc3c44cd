/**
 * A local HTTP sink for benches, run in a child process so its work does not share the
 * bench's event loop: answers every request 200 `{"ok":true}` after reading the body, and
 * reports how many requests it served, or when it has served a given number. Start with
 * `startSinkServer()`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

type ToSink = { type: 'count' } | { type: 'notify'; count: number };
type FromSink =
  | { type: 'ready'; port: number }
  | { type: 'count'; count: number }
  | { type: 'reached'; count: number };

export interface SinkServer {
  url: string;
  /** The sink's process, for its CPU and memory. */
  pid: number;
  /** Requests served since it started. */
  count(): Promise<number>;
  /** Resolves as soon as the sink has served `count` requests since it started. */
  reached(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSinkServer(): Promise<SinkServer> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const counts: ((count: number) => void)[] = [];
  const waits: { count: number; resolve: () => void }[] = [];
  let ready: (port: number) => void = () => undefined;
  child.on('message', (message: FromSink) => {
    switch (message.type) {
      case 'ready':
        ready(message.port);
        break;
      case 'count':
        counts.shift()?.(message.count);
        break;
      case 'reached':
        for (const wait of waits.filter((w) => w.count <= message.count)) {
          waits.splice(waits.indexOf(wait), 1);
          wait.resolve();
        }
        break;
      default:
        message satisfies never;
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    ready = resolve;
  });
  const send = (message: ToSink): void => {
    child.send(message);
  };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    pid: child.pid ?? 0,
    count: () =>
      new Promise((resolve) => {
        counts.push(resolve);
        send({ type: 'count' });
      }),
    reached: (count) =>
      new Promise((resolve) => {
        waits.push({ count, resolve });
        send({ type: 'notify', count });
      }),
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

function serve(): void {
  let count = 0;
  /** Counts the parent waits for, answered once when reached. */
  let notify: number[] = [];
  const body = Buffer.from('{"ok":true}');
  const tell = (message: FromSink): void => {
    process.send?.(message);
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
      if (notify.length > 0 && notify.some((n) => n <= count)) {
        notify = notify.filter((n) => n > count);
        tell({ type: 'reached', count });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    tell({ type: 'ready', port });
  });
  process.on('message', (message: ToSink) => {
    if (message.type === 'count') tell({ type: 'count', count });
    else if (message.count <= count) tell({ type: 'reached', count });
    else notify.push(message.count);
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--child')) serve();
