import type { ConfigProblem } from './config/config-error.js';
import { ConfigError } from './config/config-error.js';
import { applicablePart, restartRequired } from './config/restart-keys.js';
import type { Config } from './config/schema.js';
import type { Clock, Logger } from './domain/clock.js';
import type { ReconfigureSummary } from './engine/publishing-engine.js';
import {
  RECOMMENDED_MAX_ALERTS,
  maxAlertsPerRequest,
  warnOfMaxAlertsBound,
} from './max-alerts-bound.js';
import type { Metrics } from './metrics/metrics.js';

/** maxAlertsPerRequest of the running and of the reloaded config; null with no enabled target. */
export interface MaxAlertsBound {
  before: number | null;
  after: number | null;
}

export type ReloadResult =
  | {
      ok: true;
      summary: ReconfigureSummary;
      restartRequired: string[];
      maxAlertsBound: MaxAlertsBound;
    }
  | { ok: false; message: string; problems: readonly ConfigProblem[] };

export interface ReloadDeps {
  /** Reads and validates the config file again; throws ConfigError. */
  load: () => Config;
  running: () => Config;
  /**
   * Problems of a valid file that only the running process sees, e.g. a target timeout the
   * durable lease fixed at start does not cover: applying it would need a restart.
   */
  check?: (next: Config) => readonly ConfigProblem[];
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

  function refused(
    message: string,
    problems: readonly ConfigProblem[],
    context: Record<string, unknown>,
  ): ReloadResult {
    metrics.configLastReloadSuccessful.set(0);
    logger.error({ ...context, problems }, `config reload failed: ${message}`);
    return { ok: false, message, problems };
  }

  async function reloadOnce(): Promise<ReloadResult> {
    let next: Config;
    try {
      next = deps.load();
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      const message = `the configuration in ${error.source} is invalid: the running one is kept`;
      return refused(message, error.problems, { source: error.source });
    }
    const problems = deps.check?.(next) ?? [];
    if (problems.length > 0) {
      return refused('the configuration needs a restart: the running one is kept', problems, {});
    }
    const running = deps.running();
    const emptied = noEnabledTargetProblems(running, next);
    if (emptied.length > 0) {
      return refused(
        'the configuration leaves no enabled target: the running one is kept',
        emptied,
        {},
      );
    }
    const restart = restartRequired(running, next);
    const applied = applicablePart(running, next);
    let summary: ReconfigureSummary;
    try {
      summary = await deps.apply(applied);
    } catch (error: unknown) {
      metrics.configLastReloadSuccessful.set(0);
      throw new Error('config reload failed while applying it', { cause: error });
    }
    metrics.configLastReloadSuccessful.set(1);
    metrics.configLastReloadSuccessTimestamp.set(clock.now() / 1000);
    const bound: MaxAlertsBound = {
      before: maxAlertsPerRequest(running) ?? null,
      after: maxAlertsPerRequest(applied) ?? null,
    };
    logger.info(
      {
        added: summary.added,
        removed: summary.removed,
        changed: summary.changed,
        dead_lettered: summary.deadLettered,
        dead_letter_deferred: summary.deadLetterDeferred,
        restart_required: restart,
        max_alerts_bound: bound,
      },
      restart.length === 0
        ? 'configuration reloaded'
        : 'configuration reloaded; some settings need a restart to change',
    );
    // Alertmanager's max_alerts was set by the bound the start warned of or `config check`
    // printed: a lower one refuses its larger requests with 413, which it does not retry.
    const { before, after } = bound;
    if (
      after !== null &&
      after !== before &&
      (after < RECOMMENDED_MAX_ALERTS || (before !== null && after < before))
    ) {
      warnOfMaxAlertsBound(logger, after);
    }
    return { ok: true, summary, restartRequired: restart, maxAlertsBound: bound };
  }

  return {
    reload() {
      const run = last.then(reloadOnce, reloadOnce);
      last = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * A reload that would leave no enabled target (an empty or truncated file, `targets: []`, every
 * target disabled) is refused while the running config delivers to any: every alert would be
 * answered 202 and dropped as unrouted. A start without targets only warns (docs/configuration.md,
 * Reload).
 */
function noEnabledTargetProblems(running: Config, next: Config): ConfigProblem[] {
  const keeps = running.targets.filter((target) => target.enabled).length;
  if (keeps === 0 || next.targets.some((target) => target.enabled)) return [];
  const reason = next.targets.length === 0 ? 'none listed' : 'every target is disabled';
  return [
    {
      path: 'targets',
      message: `${reason}: a reload may not leave no enabled target: the running config keeps ${keeps}; restart to run without targets`,
    },
  ];
}
