import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { formatTime, words } from './format.js';
import type { Attempt } from './schemas.js';

/**
 * A job's attempts as every page lists them (the alert timeline, the job, the dead letter):
 * one line each, oldest first.
 */

/**
 * What went wrong, from the attempt's message: a network error or timeout names itself there;
 * an HTTP failure's message repeats its status (`HTTP 503: down`), left out here, and keeps
 * what the target answered (`down`) or why its 2xx failed (Slack without `ok`).
 */
export function attemptError(attempt: Attempt): string | undefined {
  const message = attempt.message;
  if (message === undefined || attempt.http_status === undefined) return message;
  const status = `HTTP ${attempt.http_status}`;
  if (message === status) return undefined;
  return message.startsWith(`${status}: `) ? message.slice(status.length + 2) : message;
}

/** One attempt: when, HTTP status (absent for a network error), reason, duration, error. */
export function attemptText(attempt: Attempt): string {
  return [
    attempt.http_status === undefined ? undefined : `HTTP ${attempt.http_status}`,
    attempt.reason === undefined ? undefined : words(attempt.reason),
    `${attempt.duration_ms} ms`,
    attemptError(attempt),
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(' · ');
}

function attemptItem(attempt: Attempt): TemplateResult {
  return html`<li>
    <time datetime=${attempt.at}>${formatTime(attempt.at)}</time> ${attemptText(attempt)}
  </li>`;
}

/**
 * The attempts kept (a job keeps its last 20), and how many earlier ones were not, out of
 * `count` made in all. `what` labels the list.
 */
export function attemptList(
  attempts: readonly Attempt[],
  count: number,
  what: string,
): TemplateResult {
  const dropped = count - attempts.length;
  return html`<ol class="attempts" aria-label=${what}>
    ${dropped > 0 ? html`<li class="muted">${dropped} earlier attempts not kept</li>` : ''}
    ${attempts.map(attemptItem)}
  </ol>`;
}

/**
 * A page's attempts section body: the list, or why there is none. `attempts` undefined: the
 * server does not send them (an older one).
 */
export function attemptsView(
  attempts: readonly Attempt[] | undefined,
  count: number,
  what: string,
): TemplateResult {
  if (attempts === undefined)
    return html`<p class="muted">This server does not list the attempts.</p>`;
  if (attempts.length === 0 && count === 0)
    return html`<p class="muted">No attempt made or recorded.</p>`;
  return attemptList(attempts, count, what);
}
