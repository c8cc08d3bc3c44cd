import type { Clock, Logger, Random } from '../../domain/clock.js';
import type { DeadLetterFallback, DeadLetterSink } from '../../domain/dead-letter.js';
import type { Target } from '../../domain/target.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { JobStatusStore } from '../../tracking/job-status-store.js';
import type { AlertStateRecord, AlertStateStore } from '../alert-state-store.js';
import type { EngineConfig } from '../engine-config.js';

/** Everything the engine needs, injected; it builds no clients, pools or registries itself. */
export interface EngineDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  /** The targets it delivers to, by name: the enabled ones (app.ts). */
  targets: ReadonlyMap<string, Target>;
  deadLetters: DeadLetterSink;
  fallback: DeadLetterFallback;
  statusStore: JobStatusStore;
  config: EngineConfig;
  /** Job ids; defaults to crypto.randomUUID (random v4 UUIDs). */
  newId?: () => string;
  /** Where the newest alert states outlive the process; without it they are kept in memory only. */
  alertStates?: AlertStateStore;
  /** The states recorded before this start (AlertStateStore.recent). */
  initialAlertStates?: readonly AlertStateRecord[];
  /** How many (target, fingerprint) states memory keeps (default 10 000). */
  alertStateCapacity?: number;
  /** The name status() gives this instance; defaults to defaultInstanceName(). */
  instanceName?: string;
}
