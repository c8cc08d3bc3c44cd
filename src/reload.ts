import type { ConfigProblem } from './config/config-error.js';
import { ConfigError } from './config/config-error.js';
import { applicablePart, restartRequired } from './config/restart-keys.js';
import type { Config } from './config/schema.js';
import type { Clock, Logger } from './domain/clock.js';
import type { ReconfigureSummary } from './engine/publishing-engine.js';
import type { Metrics } from './metrics/metrics.js';

export type ReloadResult =
  | { ok: true; summary: ReconfigureSummary; restartRequired: string[] }
  | { ok: false; source: string; problems: readonly ConfigProblem[] };

export interface ReloadDeps {
  /** Reads and validates the config file again; throws ConfigError. */
  load: () => Config;
  running: () => Config;
  /** Swaps the applicable part of a valid config in (targets, engine knobs, auth, log level). */
  apply: (next: Config) => Promise<ReconfigureSummary>;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

/**
 * Live reload, as Alertmanager and Prometheus do it (SIGHUP, POST /-/reload): re-read the file,
 * validate all of it, and swap it in at once, or keep the running config and report every
 * problem. Settings that need a restart keep their running value and are named. One reload at
 * a time: a second waits for the first.
 */
export function createReloader(deps: ReloadDeps): { reload(): Promise<ReloadResult> } {
  const { metrics, clock, logger } = deps;
  let last: Promise<unknown> = Promise.resolve();

  async function reloadOnce(): Promise<ReloadResult> {
    let next: Config;
    try {
      next = deps.load();
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      metrics.configLastReloadSuccessful.set(0);
      logger.error(
        { source: error.source, problems: error.problems },
        'config reload failed: the running configuration is kept',
      );
      return { ok: false, source: error.source, problems: error.problems };
    }
    const running = deps.running();
    const restart = restartRequired(running, next);
    const summary = await deps.apply(applicablePart(running, next));
    metrics.configLastReloadSuccessful.set(1);
    metrics.configLastReloadSuccessTimestamp.set(clock.now() / 1000);
    logger.info(
      {
        added: summary.added,
        removed: summary.removed,
        changed: summary.changed,
        dead_lettered: summary.deadLettered,
        restart_required: restart,
      },
      restart.length === 0
        ? 'configuration reloaded'
        : 'configuration reloaded; some settings need a restart to change',
    );
    return { ok: true, summary, restartRequired: restart };
  }

  return {
    reload() {
      const run = last.then(reloadOnce, reloadOnce);
      last = run.catch(() => undefined);
      return run;
    },
  };
}
