/**
 * A peer job queue (bench/peers/*.ts) run as processes of its own, in two steps so that each
 * step's CPU and memory are its own: `fill` pre-fills the queue with the run's jobs and exits;
 * `drain` starts a worker held at a gate, says it is ready, opens the gate on `go` and stops on
 * `stop`.
 * Settings travel as JSON in PEER_SETTINGS.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

import { z } from 'zod';

const peerSettingsSchema = z.strictObject({
  /** Jobs to pre-fill: `benchAlert(round, 0…jobs-1)`. */
  jobs: z.int().positive(),
  round: z.int(),
  /** Jobs the worker runs at once. */
  concurrency: z.int().positive(),
  sinkUrl: z.string(),
  /** Where the queue lives: a PostgreSQL database URL, or a redis:// URL. */
  connection: z.string(),
  /** The queue's name (BullMQ) or the task's identifier (graphile-worker). */
  name: z.string(),
});
export type PeerSettings = z.infer<typeof peerSettingsSchema>;

type ToPeer = { type: 'go' } | { type: 'stop' };
/** `serverPid`: the queue's server process, when the peer can tell (Redis's INFO does). */
type FromPeer = { type: 'ready'; serverPid?: number };

export interface PeerDrain {
  pid: number;
  serverPid: number | undefined;
  go(): void;
  /** Stops the worker and waits for its process to exit. */
  stop(): Promise<void>;
}

function forkPeer(script: string, step: 'fill' | 'drain', settings: PeerSettings): ChildProcess {
  return fork(script, [step], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PEER_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', resolve));
}

export async function fillPeer(script: string, settings: PeerSettings): Promise<void> {
  const code = await exitOf(forkPeer(script, 'fill', settings));
  if (code !== 0) throw new Error(`${script} fill exited with ${code}`);
}

export async function startPeerDrain(script: string, settings: PeerSettings): Promise<PeerDrain> {
  const child = forkPeer(script, 'drain', settings);
  const exited = exitOf(child);
  const ready = await Promise.race([
    new Promise<FromPeer>((resolve) => child.once('message', resolve)),
    exited,
  ]);
  if (ready === null || typeof ready === 'number') {
    throw new Error(`${script} drain exited with ${ready} before it was ready`);
  }
  const send = (message: ToPeer): void => {
    child.send(message);
  };
  return {
    pid: child.pid ?? 0,
    serverPid: ready.serverPid,
    go: () => send({ type: 'go' }),
    async stop() {
      send({ type: 'stop' });
      const code = await exited;
      if (code !== 0) throw new Error(`${script} drain exited with ${code}`);
    },
  };
}

/** In a peer script: its settings and which step to run. */
export function peerInvocation(): { step: 'fill' | 'drain'; settings: PeerSettings } {
  const step = process.argv[2];
  if (step !== 'fill' && step !== 'drain') throw new Error(`expected fill or drain, got ${step}`);
  const settings = peerSettingsSchema.parse(JSON.parse(process.env['PEER_SETTINGS'] ?? '{}'));
  return { step, settings };
}

export interface DrainingWorker {
  serverPid?: number;
  stop(): Promise<void>;
}

/**
 * In a peer script's drain step: `startWorker` starts the worker (connected, polling, its
 * first jobs fetched) with a handler that awaits `gate` before each POST; then the bench hears
 * ready, `go` opens the gate (the clock starts: a worker's start-up is not counted, its first
 * fetch of at most a local queue is), and `stop` stops the worker and exits.
 */
export async function serveDrain(
  startWorker: (gate: Promise<void>) => Promise<DrainingWorker>,
): Promise<void> {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const worker = await startWorker(gate);
  process.on('message', (message: ToPeer) => {
    if (message.type === 'go') open();
    else {
      void worker.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('stopping the peer failed', error);
          process.exit(1);
        },
      );
    }
  });
  const ready: FromPeer =
    worker.serverPid === undefined
      ? { type: 'ready' }
      : { type: 'ready', serverPid: worker.serverPid };
  process.send?.(ready);
}
