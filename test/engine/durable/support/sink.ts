import { createServer } from 'node:http';

/** One request the sink received: which job, from which instance, when it began and ended. */
export interface SinkRecord {
  jobId: string;
  instance: string;
  priority: string;
  startedAt: number;
  endedAt: number;
}

export interface Sink {
  url: string;
  records: SinkRecord[];
  close(): Promise<void>;
}

/**
 * A local HTTP target on 127.0.0.1 answering 200 after `delayMs`. It records every request
 * (job id from `webhook-id`, instance from `x-instance`) with its start and end times.
 */
export async function startSink(delayMs = 0): Promise<Sink> {
  const records: SinkRecord[] = [];
  const server = createServer((request, response) => {
    const startedAt = performance.timeOrigin + performance.now();
    request.resume();
    request.on('end', () => {
      const answer = (): void => {
        records.push({
          jobId: String(request.headers['webhook-id']),
          instance: String(request.headers['x-instance']),
          priority: String(request.headers['x-priority']),
          startedAt,
          endedAt: performance.timeOrigin + performance.now(),
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sink has no TCP address');
  const { port } = address;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    records,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
