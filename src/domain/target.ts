import type { Publisher } from './publisher.js';

export const TARGET_TYPES = ['webhook', 'slack', 'pagerduty', 'rootly', 'log'] as const;

/** What a target may be named (config) and so what a filter on target names may hold. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const TARGET_NAME_RULE = 'letters, digits, "_", "." and "-", at most 63';
export type TargetType = (typeof TARGET_TYPES)[number];

/** Retry policy with durations in milliseconds (config/ converts from `2s` etc.). */
export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  factor: number;
  maxDelayMs: number;
  jitterMs: number;
  maxRetryAfterMs: number;
  maxJobAgeMs: number;
}

/** A configured target as the engine sees it: a name, its publisher and its limits. */
export interface Target {
  name: string;
  type: TargetType;
  enabled: boolean;
  publisher: Publisher;
  /**
   * Where its attempts go, as an opaque key: its type and address (`url`; a log target's
   * `path`), digested because a Slack URL's path is a secret. The breaker measures this
   * endpoint's health: a reload keeps it while the key stays the same (engine/breakers.ts).
   */
  endpoint: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Attempts a second at most and the burst saved up; none = unlimited until a 429. */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * An alert state this target was delivered less than this long ago is not sent again; none =
   * every re-send is sent (docs/alert-state.md, "Unchanged re-sends").
   */
  resendAfterMs?: number;
  /** The target's configuration with every secret removed: safe for DLQ rows, logs and the API. */
  redactedConfig: Record<string, unknown>;
}

/**
 * What a dead letter records of its target (also of one no longer configured). `type` is null
 * for a target absent from the config when a durable start dead-letters its waiting jobs: a job
 * row does not record its target's type (docs/configuration.md, "Reload").
 */
export type LetterTarget = Pick<Target, 'name' | 'redactedConfig'> & { type: TargetType | null };
