import { attemptToJson, attemptsFromJson } from '../../domain/attempt-json.js';
import { recordAttempt } from '../../domain/job.js';
import type { PublishOutcome } from '../../domain/publisher.js';
import { attemptRecordOf } from '../attempt.js';
import type { Breakers } from '../breakers.js';
import { recordOnBreaker } from '../outcome-decision.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { Held } from './holdings.js';

/**
 * What a finished attempt of a held job tells this instance (docs/how-it-works.md, Retries and
 * Circuit breaker): its target's breaker and rate limiter, and the job's attempt log. Returns
 * whether the target is down as this instance now sees it (`targetDown` of the decision, read
 * at once, as the memory engine does, before other attempts' results come in). A target a
 * reload removed meanwhile has no breaker, and none is made again for it.
 */
export function recordAttemptResult(
  deps: { breakers: Breakers; limiterOf: (target: string) => RateLimiter },
  held: Held,
  outcome: PublishOutcome,
  attempt: { isProbe: boolean; waitsPastRetries: boolean; startedAt: number; now: number },
): boolean {
  const { startedAt, now } = attempt;
  const name = held.target.name;
  const breaker = deps.breakers.has(name) ? deps.breakers.of(name) : undefined;
  if (breaker !== undefined) recordOnBreaker(breaker, outcome, attempt, now);
  const targetDown = breaker?.isDownSince(held.job.started_at?.getTime() ?? startedAt) ?? false;
  const limiter = deps.limiterOf(name);
  if (outcome.ok) limiter.succeeded(now);
  else if (outcome.reason === 'rate_limited') {
    limiter.rateLimited(now, startedAt, outcome.retryAfterMs);
  }
  const record = attemptRecordOf(startedAt, now, outcome);
  held.attempt = record;
  const history = attemptsFromJson(held.job.attempt_log);
  recordAttempt(history, record);
  held.job.attempt_log = history.map(attemptToJson);
  return targetDown;
}
