import { AppError } from '../domain/errors.js';
import type { Target } from '../domain/target.js';
import type { TargetTestDeps } from '../publishers/test-target.js';
import { testTarget } from '../publishers/test-target.js';
import type { TargetActivity } from '../metrics/attempt-history.js';
import type { PublishingEngine } from '../engine/publishing-engine.js';
import type { TargetCatalog, TargetView } from './ports.js';

/** The configured targets as the API shows them: secrets masked, breaker state from the engine. */
export function createTargetCatalog(
  targets: ReadonlyMap<string, Target>,
  engine: Pick<PublishingEngine, 'breakerState' | 'targetRate'>,
  testDeps: TargetTestDeps,
  activity: (target: string) => TargetActivity,
): TargetCatalog {
  const viewOf = (target: Target): TargetView => ({
    name: target.name,
    type: target.type,
    enabled: target.enabled,
    config: target.redactedConfig,
    breaker: engine.breakerState(target.name),
    rateLimit: target.rateLimit,
    currentRate: engine.targetRate(target.name),
    ...activity(target.name),
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
      const result = await testTarget(target, testDeps);
      return {
        ok: result.ok,
        status: result.status ?? null,
        latencyMs: result.latency_ms,
        message: result.message,
      };
    },
  };
}
