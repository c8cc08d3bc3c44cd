import { logFailure } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Clock, Logger } from '../../domain/clock.js';
import { chainKey } from '../alert-state-store.js';
import type { JobRequest } from '../publishing-engine.js';
import type { Completion } from './finish-jobs.js';
import type { Held, Holdings } from './holdings.js';
import { newerActiveJobs } from './read-jobs.js';
import type { Claimed } from './claim-jobs.js';
import { deliveredRepeats, recordDeliveredAgain } from './delivered-repeats.js';
import type { Target } from '../../domain/target.js';

/**
 * A claimed job waits in its instance's buffer for a worker, a per-target slot or a rate token.
 * One that waited longer than this since its chain was last read is read again before it
 * starts, so that a newer state admitted meanwhile (by any instance) supersedes it instead of
 * following it (docs/alert-state.md). Jobs started sooner, the hot path, cost no statement: a
 * newer state that another instance admits within this time of the claim may follow the older
 * one. An admission on this instance holds its buffered jobs of the same chains until it
 * settles, then has them read (`admitting`). One check runs at a time and reads every buffered
 * job older than half this, so a busy instance whose jobs wait longer makes at most one
 * statement per half of it (a job-per-statement check cost PostgreSQL 17% more per job at load 8).
 */
const RECHECK_AFTER_MS = 100;

export interface StartCheckDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  holdings: Holdings;
  complete: (held: Held, completion: Completion) => void;
  /** Starts what may start now (the dispatcher), once a check is over. */
  startReady: () => void;
}

/** The latest-state rule for claimed jobs: at their claim, before their start, after a failure. */
export function createStartChecks(deps: StartCheckDeps) {
  const { holdings, clock } = deps;
  let checking = false;

  /** Ends superseded the buffered jobs of `newer` (job id → the newer job of its chain). */
  function supersede(newer: ReadonlyMap<string, string>): void {
    if (newer.size === 0) return;
    for (const held of holdings.unbuffer((h) => newer.has(h.job.id))) {
      const by = newer.get(held.job.id);
      if (by !== undefined) deps.complete(held, { kind: 'superseded', id: held.job.id, by });
    }
  }

  /** Reads the chains of `jobs`, supersedes those behind a newer job; the rest may start. */
  async function check(jobs: readonly Held[]): Promise<void> {
    for (const held of jobs) held.pauses += 1;
    let newer = new Map<string, string>();
    try {
      newer = await newerActiveJobs(
        deps.db,
        jobs.map((held) => held.job.id),
      );
    } catch (error: unknown) {
      logFailure(deps.logger, 'warn', error, {}, 'checking waiting jobs for newer states failed');
    }
    const now = clock.now();
    for (const held of jobs) {
      held.pauses -= 1;
      held.checkedAt = now;
    }
    supersede(newer);
  }

  return {
    /**
     * The latest-state rule at claim time: a job that a newer job of its chain waits behind
     * (`newer_id`), or a re-send that waited behind the delivery of its state
     * (delivered-repeats.ts), ends superseded instead of being sent.
     */
    async afterClaim(
      jobs: readonly Claimed[],
      targets: ReadonlyMap<string, Target>,
    ): Promise<void> {
      const newer = new Map<string, string>();
      for (const { id, newer_id } of jobs) if (newer_id !== null) newer.set(id, newer_id);
      const repeats = deliveredRepeats(jobs, targets, clock.now());
      supersede(new Map([...newer, ...repeats]));
      if (repeats.size === 0) return;
      try {
        await recordDeliveredAgain(deps.db, jobs, repeats);
      } catch (error: unknown) {
        logFailure(deps.logger, 'warn', error, {}, 'recording the delivered alert states failed');
      }
    },

    /**
     * After a failed attempt: the newest later job of its chain, if one waits (the job is then
     * superseded, not retried); undefined when none does or it cannot be read.
     */
    async newerWaiting(held: Held): Promise<string | undefined> {
      try {
        return (await newerActiveJobs(deps.db, [held.job.id])).get(held.job.id);
      } catch (error: unknown) {
        logFailure(deps.logger, 'warn', error, { job_id: held.job.id }, 'reading the chain failed');
        return undefined;
      }
    },

    /** Whether `held` must be read again before it starts. */
    isDue(held: Held, nowMs: number): boolean {
      return nowMs - held.checkedAt > RECHECK_AFTER_MS;
    },

    /**
     * Reads the chains of the buffered jobs that waited (isDue, or half as long), unless a check
     * runs: those a newer job now waits behind end superseded, the others may start. A database
     * that does not answer does not hold them back (their completion waits for it anyway). One
     * statement; undefined when a check runs already (it starts the next when it ends).
     */
    checkWaited(nowMs: number): Promise<void> | undefined {
      if (checking) return undefined;
      const jobs = [...holdings.buffer].filter(
        (held) => held.pauses === 0 && nowMs - held.checkedAt > RECHECK_AFTER_MS / 2,
      );
      if (jobs.length === 0) return undefined;
      checking = true;
      return check(jobs).finally(() => {
        checking = false;
        deps.startReady();
      });
    },

    /**
     * Runs `admit` (an admission of `requests` on this instance) while the buffered jobs of
     * their chains wait; once it settled they are read again before they start.
     */
    async admitting<T>(requests: readonly JobRequest[], admit: () => Promise<T>): Promise<T> {
      const chains = new Set(
        requests.map((r) => chainKey({ target: r.target, fingerprint: r.alert.fingerprint })),
      );
      const paused = [...holdings.buffer].filter((held) =>
        chains.has(chainKey({ target: held.job.target_name, fingerprint: held.job.fingerprint })),
      );
      for (const held of paused) held.pauses += 1;
      try {
        return await admit();
      } finally {
        for (const held of paused) {
          held.pauses -= 1;
          held.checkedAt = Number.NEGATIVE_INFINITY;
        }
        if (paused.length > 0) deps.startReady();
      }
    },
  };
}
