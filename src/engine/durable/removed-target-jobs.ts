import { failureFields } from '../../db/database-unavailable.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../domain/clock.js';
import type { LetterTarget } from '../../domain/target.js';
import { targetRemovedError } from '../job-errors.js';
import { readTargetsWithActiveJobs, readTargetsWithClaimedJobs } from './active-job-targets.js';
import type { DeadRow } from './dead-letter-waiting-jobs.js';
import { deadLetterWaitingJobs } from './dead-letter-waiting-jobs.js';
import type { DeadLetterInsert } from './insert-dead-letters.js';

export interface RemovedTargetJobsDeps {
  db: Db;
  logger: Logger;
  insertDeadLetters: DeadLetterInsert;
  /** Rows dead-lettered per statement. */
  batchSize: number;
  onDead: (rows: readonly DeadRow[], nowMs: number) => void;
}

/** What a start needs to find the targets it does not deliver to (`atStart`). */
export interface StartTargets {
  isDelivered(name: string): boolean;
  /** What the letters say of a target not delivered to (disabled, or absent from the config). */
  letterTarget(name: string): LetterTarget;
}

/**
 * A start's view of the targets. A configured one that is not delivered to (disabled) gives its
 * letters its type and settings. One absent from the config is known by name only (a job row
 * does not record its target's type): its letters have no type (null) and their settings say
 * why. Replays never read either (they use the target configured then, and refuse a letter
 * whose target is not).
 */
export function startTargetsOf(
  delivered: () => ReadonlyMap<string, unknown>,
  configured: ReadonlyMap<string, LetterTarget>,
): StartTargets {
  return {
    isDelivered: (name) => delivered().has(name),
    letterTarget: (name) =>
      configured.get(name) ?? {
        name,
        type: null,
        redactedConfig: { absent: 'not in the configuration at start: type and settings unknown' },
      },
  };
}

/**
 * The waiting jobs of targets a reload removed, or that a start found without the target
 * (removed or disabled while no instance ran), still to become `target_removed` letters. A
 * target stays pending until one pass has dead-lettered all of its jobs submitted up to its
 * removal (a start's targets also until none of those is claimed: a claimed job waits again
 * once its instance finishes or lapses); a database failure leaves it, or the start's search,
 * pending for the next pass (maintenance retries every heartbeat), so neither a reload nor a
 * start depends on the database answering and no job is left waiting for a target that is
 * gone. Passes run one at a time.
 */
export interface RemovedTargetJobs {
  /** Names of the targets still pending, sorted. */
  pending(): string[];
  /** True while a start's search for targets not delivered to has not run yet. */
  isStartPending(): boolean;
  /** Targets removed at `nowMs`: their jobs submitted up to then are to be dead-lettered. */
  add(targets: readonly LetterTarget[], nowMs: number): void;
  /** A target configured again: its jobs wait for it again. */
  keep(name: string): void;
  /**
   * The reload's pass: what it dead-lettered and the targets left pending. A database failure
   * is logged here, once per reload.
   */
  atReload(nowMs: number): Promise<{ deadLettered: number; deferred: string[] }>;
  /**
   * At start: the targets with active jobs that are not delivered to are removed as of
   * `nowMs`, and their waiting jobs dead-lettered. Logged here (one warn line); a database
   * failure too.
   */
  atStart(targets: StartTargets, nowMs: number): Promise<void>;
  /** Maintenance's pass over what a reload or a start left pending; throws when the db fails. */
  retry(nowMs: number): Promise<void>;
}

interface Removal {
  target: LetterTarget;
  removedAtMs: number;
  /** Found at start: kept until none of its jobs submitted before then is claimed. */
  atStart: boolean;
}

/** Jobs dead-lettered per target. */
type Done = Map<string, number>;

export function createRemovedTargetJobs(deps: RemovedTargetJobsDeps): RemovedTargetJobs {
  const pending = new Map<string, Removal>();
  let startSearch: { targets: StartTargets; atMs: number } | undefined;
  let last: Promise<unknown> = Promise.resolve();

  async function pass(nowMs: number, done: Done): Promise<void> {
    // Read before the jobs are: a claimed job released after this read is either waiting when
    // the dead-lettering reads (and goes with the rest) or claimed here (and kept for later).
    const claimed = await readTargetsWithClaimedJobs(
      deps.db,
      [...pending.values()]
        .filter((entry) => entry.atStart)
        .map((entry) => ({ name: entry.target.name, beforeMs: entry.removedAtMs + 1 })),
    );
    for (;;) {
      const entries = [...pending.values()];
      const rows = await deadLetterWaitingJobs(
        deps.db,
        entries.map(({ target, removedAtMs }) => ({
          target,
          submittedBefore: removedAtMs + 1,
          error: targetRemovedError(target.name),
        })),
        nowMs,
        deps.batchSize,
        deps.insertDeadLetters,
      );
      deps.onDead(rows, nowMs);
      for (const row of rows) done.set(row.target_name, (done.get(row.target_name) ?? 0) + 1);
      if (rows.length < deps.batchSize) {
        // Only the entries selected: a target configured or removed again meanwhile has left
        // or replaced its entry.
        for (const entry of entries) {
          const { name } = entry.target;
          if (pending.get(name) === entry && !claimed.has(name)) pending.delete(name);
        }
        return;
      }
    }
  }

  /** The start's search, then a pass; logs what it found. */
  async function searchAndPass(nowMs: number): Promise<void> {
    if (startSearch === undefined) return;
    const { targets, atMs } = startSearch;
    const found = (await readTargetsWithActiveJobs(deps.db)).filter(
      (name) => !targets.isDelivered(name) && !pending.has(name),
    );
    for (const name of found) {
      pending.set(name, { target: targets.letterTarget(name), removedAtMs: atMs, atStart: true });
    }
    startSearch = undefined;
    if (found.length === 0) return;
    const done: Done = new Map();
    await pass(nowMs, done);
    deps.logger.warn(
      {
        targets: Object.fromEntries(found.map((name) => [name, done.get(name) ?? 0])),
        claimed: found.filter((name) => pending.has(name)),
      },
      'dead-lettered the waiting jobs of targets not in the config (removed or disabled, or ' +
        'configured on other instances only): replayable once the target is back; claimed ' +
        'ones follow when released',
    );
  }

  function oneAtATime(run: () => Promise<void>): Promise<void> {
    const next = last.then(run, run);
    last = next.catch(() => undefined);
    return next;
  }

  return {
    pending: () => [...pending.keys()].sort(),
    isStartPending: () => startSearch !== undefined,
    add(targets, nowMs) {
      for (const target of targets) {
        pending.set(target.name, { target, removedAtMs: nowMs, atStart: false });
      }
    },
    keep(name) {
      pending.delete(name);
    },
    async atReload(nowMs) {
      const done: Done = new Map();
      if (pending.size > 0) {
        try {
          await oneAtATime(() => pass(nowMs, done));
        } catch (error: unknown) {
          deps.logger.warn(
            { targets: [...pending.keys()].sort(), ...failureFields(error) },
            'config reload: dead-lettering the waiting jobs of removed targets deferred until the database answers',
          );
        }
      }
      return { deadLettered: total(done), deferred: [...pending.keys()].sort() };
    },
    async atStart(targets, nowMs) {
      startSearch = { targets, atMs: nowMs };
      try {
        await oneAtATime(() => searchAndPass(nowMs));
      } catch (error: unknown) {
        deps.logger.warn(
          failureFields(error),
          'start: dead-lettering the waiting jobs of targets not in the config deferred until the database answers',
        );
      }
    },
    async retry(nowMs) {
      if (startSearch !== undefined) await oneAtATime(() => searchAndPass(nowMs));
      const entries = [...pending.values()];
      if (entries.length === 0) return;
      const done: Done = new Map();
      await oneAtATime(() => pass(nowMs, done));
      // A start's target waiting for its claimed jobs is passed every heartbeat: said only
      // when something was done.
      const targets = entries.map((entry) => entry.target.name).sort();
      if (done.size > 0 || targets.some((name) => !pending.has(name))) {
        deps.logger.info(
          { targets, jobs: total(done) },
          entries.some((entry) => entry.atStart)
            ? 'dead-lettered the waiting jobs of targets not in the config (deferred at start)'
            : 'dead-lettered the waiting jobs of removed targets (deferred at a reload)',
        );
      }
    },
  };
}

function total(done: Done): number {
  let count = 0;
  for (const jobs of done.values()) count += jobs;
  return count;
}
