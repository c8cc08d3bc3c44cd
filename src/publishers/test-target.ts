import type { Alert } from '../domain/alert.js';
import type { Clock } from '../domain/clock.js';
import { fingerprintOf } from '../domain/fingerprint.js';
import type { Delivery, PublishOutcome } from '../domain/publisher.js';
import type { Target } from '../domain/target.js';

/**
 * `POST /api/v2/publishing/targets/{name}/test`: sends a clearly labelled synthetic alert now,
 * outside the queue, with the target's timeout. Paging targets (PagerDuty, Rootly) get a
 * severity `info` trigger and then a resolve at once, so nobody is paged for real.
 */
export interface TargetTestResult {
  ok: boolean;
  status?: number;
  latency_ms: number;
  message: string;
}

export interface TargetTestDeps {
  clock: Clock;
  newId: () => string;
}

const RESOLVES_AT_ONCE: ReadonlySet<Target['type']> = new Set(['pagerduty', 'rootly']);

function testAlert(target: Target, testId: string, nowIso: string): Alert {
  const labels = {
    alertname: 'AlertPublisherTest',
    severity: 'info',
    alert_publisher_test: testId,
    target: target.name,
  };
  return {
    status: 'firing',
    labels,
    annotations: {
      summary: `Test alert from alert-publisher for target "${target.name}"; no action needed`,
      description:
        'Sent by the target test (API or CLI) to check delivery. It is resolved at once where the target pages.',
    },
    startsAt: nowIso,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
    fingerprint: fingerprintOf(labels),
  };
}

/** Runs one attempt under the target's timeout, on the injected clock. */
async function attempt(target: Target, delivery: Delivery, clock: Clock): Promise<PublishOutcome> {
  const controller = new AbortController();
  const stopTimer = new AbortController();
  clock.sleep(target.timeoutMs, stopTimer.signal).then(
    () => controller.abort(new DOMException('target test timed out', 'TimeoutError')),
    () => undefined, // stopped because the attempt finished first
  );
  try {
    return await target.publisher.publish(delivery, controller.signal);
  } finally {
    stopTimer.abort();
  }
}

function describeOutcome(outcome: PublishOutcome): string {
  if (outcome.ok) return outcome.message ?? 'delivered';
  return `${outcome.type}/${outcome.reason}: ${outcome.message}`;
}

/**
 * Sends the test (its trigger and resolve as one) and returns its outcome: the engine's
 * sendAsProbe makes it the probe of a half-open breaker.
 */
export type TestSend = (send: () => Promise<PublishOutcome>) => Promise<PublishOutcome>;

export async function testTarget(
  target: Target,
  deps: TargetTestDeps,
  sendTest: TestSend = (send) => send(),
): Promise<TargetTestResult> {
  const started = deps.clock.now();
  const id = deps.newId();
  const alert = testAlert(target, id, new Date(started).toISOString());
  const delivery: Delivery = { jobId: id, target: target.name, alert, priority: 'low', attempt: 1 };
  let message = '';
  const outcome = await sendTest(async () => {
    const fired = await attempt(target, delivery, deps.clock);
    message = describeOutcome(fired);
    if (!fired.ok || !RESOLVES_AT_ONCE.has(target.type)) return fired;
    const resolvedAlert: Alert = {
      ...alert,
      status: 'resolved',
      endsAt: new Date(deps.clock.now()).toISOString(),
    };
    const resolved = await attempt(
      target,
      { ...delivery, jobId: deps.newId(), alert: resolvedAlert },
      deps.clock,
    );
    message = resolved.ok
      ? `${message}; resolved at once`
      : `triggered, but the resolve failed (resolve it by hand): ${describeOutcome(resolved)}`;
    return resolved.ok ? fired : resolved;
  });
  const result: TargetTestResult = {
    ok: outcome.ok,
    latency_ms: deps.clock.now() - started,
    message,
  };
  if (outcome.status !== undefined) result.status = outcome.status;
  return result;
}
