import type { Config } from './config/schema.js';
import { laneCapacityOf } from './config/schema.js';
import type { Logger } from './domain/clock.js';
import { PRIORITIES } from './domain/job.js';
import { shareLimit } from './engine/admission.js';

/** The max_alerts the README and examples/alertmanager.yml suggest. */
export const RECOMMENDED_MAX_ALERTS = 100;

/**
 * The most alerts a webhook request may carry and never be refused as too large (413, which
 * Alertmanager does not retry), when every alert matches every enabled target: one job per
 * enabled target for each alert, in any lane (docs/how-it-works.md, "Admission"). Undefined
 * with no enabled target.
 */
export function maxAlertsPerRequest(config: Config): number | undefined {
  const enabled = config.targets.filter((target) => target.enabled).length;
  if (enabled === 0) return undefined;
  const capacity = laneCapacityOf(config.queue);
  const settings = {
    capacity,
    perTargetShare: config.queue.per_target_share,
  };
  return Math.min(
    ...PRIORITIES.map((priority) =>
      Math.min(Math.floor(capacity[priority] / enabled), shareLimit(settings, priority, enabled)),
    ),
  );
}

/** The warn line of a bound under the suggested max_alerts: at start, and after a reload. */
export function warnOfMaxAlertsBound(logger: Logger, bound: number): void {
  logger.warn(
    { max_alerts: bound, recommended_elsewhere: RECOMMENDED_MAX_ALERTS },
    `a webhook request of more than ${bound} alerts may be refused with 413 (not retried by Alertmanager): set its max_alerts to ${bound} or less, or raise queue.capacity`,
  );
}
