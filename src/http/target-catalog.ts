import { AppError } from '../domain/errors.js';
import type { Target } from '../domain/target.js';
import type { TargetTestDeps } from '../publishers/test-target.js';
import { testTarget } from '../publishers/test-target.js';
import type { AttemptHistory } from '../metrics/attempt-history.js';
import type { PublishingEngine, TargetJobs } from '../engine/publishing-engine.js';
import type { TargetCatalog, TargetView } from './ports.js';

/**
 * The configured targets as the API shows them: secrets masked, breaker state (since when open)
 * and active jobs from the engine, last success and failure from the attempt history, which a
 * test moves too, as it moves a half-open breaker.
 */
export function createTargetCatalog(
  targets: ReadonlyMap<string, Target>,
  engine: Pick<
    PublishingEngine,
    'breakerState' | 'breakerOpenedAt' | 'targetJobs' | 'targetRate' | 'sendAsProbe'
  >,
  testDeps: TargetTestDeps,
  history: Pick<AttemptHistory, 'activity' | 'recordTest'>,
): TargetCatalog {
  const viewOf = (target: Target): TargetView => ({
    name: target.name,
    type: target.type,
    enabled: target.enabled,
    config: target.redactedConfig,
    breaker: engine.breakerState(target.name),
    breakerOpenedAt: engine.breakerOpenedAt(target.name),
    rateLimit: target.rateLimit,
    resendAfterMs: target.resendAfterMs,
    currentRate: engine.targetRate(target.name),
    ...jobsView(engine.targetJobs(target.name), testDeps.clock.now()),
    ...history.activity(target.name),
  });
  return {
    list: () => [...targets.values()].map(viewOf),
    get(name) {
      const target = targets.get(name);
      return target === undefined ? undefined : viewOf(target);
    },
    async test(name) {
      const target = targets.get(name);
      if (target === undefined)
        throw new AppError('not_found', `target "${name}" is not configured`);
      // A test counts as the probe of a half-open breaker (docs/how-it-works.md).
      const result = await testTarget(target, testDeps, (send) => engine.sendAsProbe(name, send));
      history.recordTest(name, result.ok);
      return {
        ok: result.ok,
        status: result.status ?? null,
        latencyMs: result.latency_ms,
        message: result.message,
      };
    },
  };
}

/** A target's active jobs as its view shows them: the oldest one's age `now`. */
function jobsView(
  jobs: TargetJobs,
  now: number,
): Pick<TargetView, 'activeJobs' | 'oldestJobAgeMs'> {
  const oldest = jobs.oldestSubmittedAt;
  return {
    activeJobs: jobs.active,
    oldestJobAgeMs: oldest === undefined ? undefined : Math.max(0, now - oldest),
  };
}
