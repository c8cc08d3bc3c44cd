import { z } from 'zod';

import { TARGET_NAME, TARGET_NAME_RULE } from '../domain/target.js';
import { parseMatchers } from '../ingest/matchers.js';
import { durationMs, positiveDuration } from './duration.js';
import { rateLimitSchema } from './rate-limit.js';

/**
 * Target configuration: the fields every target has, plus one union member per target type.
 * Adding a target type = one member here + one publisher file + one registry entry.
 * Defaults live here once; publishers receive the parsed, defaulted objects.
 */

/**
 * Per-target override of the global `retry` block; unset keys fall back to it. Each key takes
 * the values the global key takes: only `jitter` may be 0 (no jitter).
 */
export const retryOverrideSchema = z
  .object({
    max_retries: z.number().int().min(0).max(100).optional(),
    base: positiveDuration.optional(),
    factor: z.number().min(1).max(10).optional(),
    max_delay: positiveDuration.optional(),
    jitter: durationMs.optional(),
    max_retry_after: positiveDuration.optional(),
    max_job_age: positiveDuration.optional(),
  })
  .strict();
export type RetryOverride = z.infer<typeof retryOverrideSchema>;

/** One Alertmanager-style matcher entry, checked here so errors name `targets[i].match[j]`. */
const matcherEntry = z.string().superRefine((entry, ctx) => {
  const parsed = parseMatchers(entry);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const commonTargetFields = {
  name: z.string().regex(TARGET_NAME, TARGET_NAME_RULE),
  enabled: z.boolean().default(true),
  /** Alertmanager-style matchers, all of which must hold; empty = every alert. */
  match: z.array(matcherEntry).default([]),
  /** Per attempt; at 0 every attempt would fail unanswered (docs/configuration.md). */
  timeout: positiveDuration.default(10_000),
  retry: retryOverrideSchema.default({}),
  /** Attempts a second at most (token bucket), throttled further on 429 (docs/targets.md). */
  rate_limit: rateLimitSchema,
  /**
   * The same alert state delivered less than this long ago is not sent again (0 = off):
   * Alertmanager re-sends whole groups (docs/alert-state.md, "Unchanged re-sends").
   */
  resend_after: durationMs.optional(),
};

export const webhookTargetSchema = z
  .object({
    ...commonTargetFields,
    type: z.literal('webhook'),
    url: httpUrl,
    format: z.enum(['webhook', 'alertmanager']).default('webhook'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Standard Webhooks signing secret: `whsec_` + base64. */
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be "whsec_" followed by base64')
      .optional(),
  })
  .strict();

export const slackTargetSchema = z
  .object({
    ...commonTargetFields,
    type: z.literal('slack'),
    /** Incoming-webhook URL; its path is the secret. */
    url: httpUrl,
  })
  .strict();

export const pagerdutyTargetSchema = z
  .object({
    ...commonTargetFields,
    type: z.literal('pagerduty'),
    /**
     * PagerDuty answers 400 (final: every event dead-lettered) for anything but "the 32
     * character Integration Key" (docs/targets.md, "pagerduty"); checked after `${VAR}`.
     */
    routing_key: z.string().length(32, 'must be the 32-character PagerDuty integration key'),
    url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
    /**
     * `payload.source`, which PagerDuty requires non-empty: a blank one would be sent as is
     * (`??` keeps ''). Unset: the alert's instance label, else job label, else the service.
     */
    source: z.string().regex(/\S/, 'must not be blank').optional(),
    /** Optional PagerDuty `client` / `client_url` shown on the incident. */
    client: z.string().default('alert-publisher'),
    client_url: httpUrl.optional(),
  })
  .strict();

export const rootlyTargetSchema = z
  .object({
    ...commonTargetFields,
    type: z.literal('rootly'),
    token: z.string().min(1, 'must not be empty'),
    url: httpUrl.default('https://api.rootly.com'),
    /**
     * Written to each alert's `data.source` (a free label, e.g. to tell setups apart); Rootly's
     * own `source` attribute is an enum of integrations and is always `alertmanager`.
     */
    source: z.string().default('alert-publisher'),
  })
  .strict();

export const logTargetSchema = z
  .object({
    ...commonTargetFields,
    type: z.literal('log'),
    /** `stdout` or a file path the JSON lines are appended to. */
    path: z.string().default('stdout'),
  })
  .strict();

export const targetSchema = z.discriminatedUnion('type', [
  webhookTargetSchema,
  slackTargetSchema,
  pagerdutyTargetSchema,
  rootlyTargetSchema,
  logTargetSchema,
]);

export type WebhookTargetConfig = z.infer<typeof webhookTargetSchema>;
export type SlackTargetConfig = z.infer<typeof slackTargetSchema>;
export type PagerdutyTargetConfig = z.infer<typeof pagerdutyTargetSchema>;
export type RootlyTargetConfig = z.infer<typeof rootlyTargetSchema>;
export type LogTargetConfig = z.infer<typeof logTargetSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
