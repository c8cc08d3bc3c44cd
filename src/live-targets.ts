import { resolveRetryPolicy } from './config/retry-policy.js';
import type { Config } from './config/schema.js';
import type { Target } from './domain/target.js';
import type { TargetDeps } from './publishers/registry.js';
import { createTarget } from './publishers/registry.js';

/** Targets built from a config, with what each was built from. */
export interface BuiltTargets {
  targets: ReadonlyMap<string, Target>;
  keys: ReadonlyMap<string, string>;
}

/**
 * The configured targets, as the composition root shares them (routes, replays, the engine)
 * and a config reload rebuilds them: a target whose configuration and resolved retry policy did
 * not change keeps its Target object, so the engine leaves it as it is (rate, attempts in
 * flight); a changed or removed one is retired, its publisher closed at stop (an attempt in
 * flight may still use it until then). A changed target keeps its breaker unless its endpoint
 * changed (engine/breakers.ts, `retarget`).
 */
export class LiveTargets {
  /** The targets configured now, by name; updated in place by `commit`. */
  readonly current = new Map<string, Target>();
  private keys: ReadonlyMap<string, string> = new Map();
  private readonly retired: Target[] = [];

  constructor(private readonly deps: TargetDeps) {}

  /** The targets of `config`, reusing every unchanged one. Nothing changes until `commit`. */
  build(config: Config): BuiltTargets {
    const targets = new Map<string, Target>();
    const keys = new Map<string, string>();
    for (const targetConfig of config.targets) {
      const retry = resolveRetryPolicy(config.retry, targetConfig.retry);
      const key = JSON.stringify([targetConfig, retry]);
      const existing = this.current.get(targetConfig.name);
      const unchanged = existing !== undefined && this.keys.get(targetConfig.name) === key;
      targets.set(
        targetConfig.name,
        unchanged ? existing : createTarget(targetConfig, retry, this.deps),
      );
      keys.set(targetConfig.name, key);
    }
    return { targets, keys };
  }

  /** Makes built targets the current ones. */
  commit(built: BuiltTargets): void {
    for (const [name, target] of this.current) {
      if (built.targets.get(name) !== target) this.retired.push(target);
    }
    this.current.clear();
    for (const [name, target] of built.targets) this.current.set(name, target);
    this.keys = built.keys;
  }

  /** Closes every publisher, current and retired (stop). */
  async close(): Promise<void> {
    const all = [...this.current.values(), ...this.retired];
    await Promise.all(all.map((target) => target.publisher.close()));
  }
}
