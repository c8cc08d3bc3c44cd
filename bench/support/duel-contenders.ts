/**
 * The contenders of the webhook-duel bench. Each one prepares a round (processes started,
 * queues pre-filled: nothing the clock counts), then `start()` begins the work the clock counts
 * until the sink has served the round's jobs, and `finish()` stops its processes and drops its
 * database. Every contender's own process is a child of the bench, so its CPU and memory are
 * its own; the servers' processes (PostgreSQL, Redis) are watched beside it.
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Config } from '../../src/config/schema.js';
import type { Db } from '../../src/db/db.js';
import { createScratchDatabase } from '../../test/support/databases.js';
import { alertmanagerPayloads, sendPayloads } from './alertmanager-sender.js';
import { fillPeer, startPeerDrain } from './peer-process.js';
import type { PeerSettings } from './peer-process.js';
import { databaseNameOf, postgresBackends, postgresBackground } from './postgres-processes.js';
import { oneProcess } from './process-usage.js';
import type { ProcessGroup } from './process-usage.js';
import { startServiceProcess } from './service-process.js';

export const CONTENDER_KEYS = ['memory', 'bullmq', 'durable', 'graphile'] as const;
export type ContenderKey = (typeof CONTENDER_KEYS)[number];

export interface DuelSettings {
  /** Jobs per round: alerts sent to the service, jobs pre-filled for a peer. */
  jobs: number;
  /** Alerts per Alertmanager payload. */
  batch: number;
  /** Concurrent senders to /webhook. */
  senders: number;
  /** Jobs in flight at once: the service's workers, a peer's concurrency. */
  concurrency: number;
  sinkUrl: string;
  redisUrl: string;
  /** Connected to a database other than the rounds' own: looks up their backends. */
  admin: Db;
  /** `--cpu-prof` of the service processes into this directory. */
  cpuProfileDir: string | undefined;
}

export interface PreparedRound {
  /** The contender's process first (label `process`), then the servers working for it. */
  groups: ProcessGroup[];
  start(): Promise<void>;
  finish(): Promise<void>;
}

export interface Contender {
  key: ContenderKey;
  /** What runs, for the configuration line. */
  label: string;
  prepare(round: number, settings: DuelSettings): Promise<PreparedRound>;
}

const PEERS = join(dirname(fileURLToPath(import.meta.url)), '../peers');

/** Runs `body`; should it throw, runs `undo` before rethrowing. */
async function undoOnError<T>(body: () => Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await body();
  } catch (error: unknown) {
    await undo();
    throw error;
  }
}

function postgresGroups(settings: DuelSettings, databaseUrl: string): ProcessGroup[] {
  return [
    postgresBackends(settings.admin, databaseNameOf(databaseUrl)),
    postgresBackground(settings.admin),
  ];
}

function service(mode: Config['queue']['mode']): Contender {
  return {
    key: mode,
    label: `alert-publisher ${mode} mode (CLI serve, a fresh PostgreSQL database per round)`,
    async prepare(round, settings) {
      const scratch = await createScratchDatabase();
      const instance = await undoOnError(
        () =>
          startServiceProcess(
            {
              mode,
              sinkUrl: settings.sinkUrl,
              databaseUrl: scratch.url,
              workers: settings.concurrency,
              mediumCapacity: settings.jobs,
            },
            { cpuProfileDir: settings.cpuProfileDir },
          ),
        scratch.drop,
      );
      if (settings.cpuProfileDir !== undefined) {
        console.log(
          `round ${round + 1} ${mode}: service pid ${instance.pid} (profile file names hold it)`,
        );
      }
      const bodies = alertmanagerPayloads(round, settings.jobs, settings.batch);
      return {
        groups: [oneProcess('process', instance.pid), ...postgresGroups(settings, scratch.url)],
        start: () => sendPayloads(instance.origin, bodies, settings.senders),
        async finish() {
          await instance.stop();
          await scratch.drop();
        },
      };
    },
  };
}

function peerSettings(round: number, settings: DuelSettings, connection: string): PeerSettings {
  return {
    jobs: settings.jobs,
    round,
    concurrency: settings.concurrency,
    sinkUrl: settings.sinkUrl,
    connection,
    name: `duel_${randomUUID().replaceAll('-', '')}`,
  };
}

const bullmq: Contender = {
  key: 'bullmq',
  label: 'BullMQ Worker on Redis (a fresh queue per round)',
  async prepare(round, settings) {
    const script = join(PEERS, 'bullmq.ts');
    const peer = peerSettings(round, settings, settings.redisUrl);
    await fillPeer(script, peer);
    const drain = await startPeerDrain(script, peer);
    const redis = drain.serverPid === undefined ? [] : [oneProcess('Redis', drain.serverPid)];
    return {
      groups: [oneProcess('process', drain.pid), ...redis],
      start: () => Promise.resolve(drain.go()),
      finish: () => drain.stop(),
    };
  },
};

const graphile: Contender = {
  key: 'graphile',
  label: 'graphile-worker runner (a fresh PostgreSQL database per round)',
  async prepare(round, settings) {
    const script = join(PEERS, 'graphile-worker.ts');
    const scratch = await createScratchDatabase();
    const peer = peerSettings(round, settings, scratch.url);
    const drain = await undoOnError(async () => {
      await fillPeer(script, peer);
      return startPeerDrain(script, peer);
    }, scratch.drop);
    return {
      groups: [oneProcess('process', drain.pid), ...postgresGroups(settings, scratch.url)],
      start: () => Promise.resolve(drain.go()),
      async finish() {
        await drain.stop();
        await scratch.drop();
      },
    };
  },
};

export const CONTENDERS: Record<ContenderKey, Contender> = {
  memory: service('memory'),
  bullmq,
  durable: service('durable'),
  graphile,
};
