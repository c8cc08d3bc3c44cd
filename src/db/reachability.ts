import type { Logger } from '../domain/clock.js';

/**
 * What the log says about a database outage: one error line when the first statement fails with
 * DatabaseUnavailable (its reason), one info line when a statement succeeds again (how long the
 * database was unreachable and how many statements failed meanwhile). The operations that fail
 * in between log at debug (`logFailure` in database-unavailable.ts): a 15 s outage in durable mode
 * used to write about 60 error lines with stacks, from the claim, lease and maintenance loops.
 * `onChange` hears each change (the alert_publisher_database_available gauge).
 */
export interface Reachability {
  failed(error: Error): void;
  answered(): void;
}

export function trackReachability(
  logger: Logger,
  now: () => number,
  onChange: (available: boolean) => void = () => undefined,
): Reachability {
  let down: { since: number; failed: number } | undefined;
  return {
    failed(error) {
      if (down !== undefined) {
        down.failed += 1;
        return;
      }
      down = { since: now(), failed: 1 };
      onChange(false);
      logger.error({ reason: error.message }, 'postgres: unavailable');
    },
    answered() {
      if (down === undefined) return;
      logger.info(
        { unavailable_ms: now() - down.since, failed_statements: down.failed },
        'postgres: available again',
      );
      down = undefined;
      onChange(true);
    },
  };
}
