import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { ApiError, messageOf } from './api.js';
import type { Api } from './api.js';
import { alertnameText } from './format.js';
import { badge, load } from './page.js';
import type { Outcome } from './page.js';
import type { DlqEntry } from './schemas.js';
import { dlqPageSchema } from './schemas.js';

/** What letterState reads: the DLQ's entries and the timeline's letters have it. */
export type LetterStateFields = Pick<
  DlqEntry,
  'replayed' | 'replay_result' | 'superseded' | 'superseded_by' | 'possibly_delivered'
>;

/** The badges of a letter's state: waiting, replayed (and how it went), stale, maybe sent. */
export function letterState(entry: LetterStateFields): TemplateResult {
  const replay = entry.replayed
    ? badge(
        `replay ${entry.replay_result ?? 'claimed'}`,
        `replay-${entry.replay_result ?? 'claimed'}`,
      )
    : badge('waiting');
  const superseded = isSuperseded(entry) ? badge('superseded') : '';
  const maybeSent =
    entry.possibly_delivered === true ? badge('possibly delivered', 'possibly') : '';
  return html`${replay} ${superseded} ${maybeSent}`;
}

export function alertnameOf(entry: DlqEntry): string {
  return alertnameText(entry.enriched_alert.alert.labels['alertname'] ?? '');
}

/**
 * The letters of one alert (GET /dlq by fingerprint, up to 1 000) that `isWanted` keeps; none
 * when they cannot be read, so the job or letter a page is about still shows.
 */
export async function lettersOfAlert(
  api: Api,
  fingerprint: string,
  isWanted: (entry: DlqEntry) => boolean,
): Promise<DlqEntry[]> {
  const page = await load(() => api.get('/dlq', dlqPageSchema, { fingerprint, limit: 1000 }));
  return page.state === 'ready' ? page.value.entries.filter(isWanted) : [];
}

/** A newer state of the letter's alert was sent to its target or is queued (alert-state.md). */
export function isSuperseded(entry: LetterStateFields): boolean {
  return entry.superseded === true || (entry.superseded_by ?? null) !== null;
}

/** Why a superseded letter's plain Replay is off. */
export const SUPERSEDED_REPLAY_TITLE =
  'superseded: a newer state of this alert was already sent to its target or is queued; replaying would send this older state';

/** A failed replay or delete as the console says it; the API's 409 superseded in its words. */
export function failureText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'superseded')
    return 'Not replayed: a newer state of this alert was already sent to its target or is queued, so this letter is superseded; “Replay anyway…” on its page sends it regardless.';
  return `Failed: ${messageOf(error)}`;
}

/** What an action on letters says: the text `what` resolves to, or its failure (failureText). */
export async function outcomeOf(what: () => Promise<string>): Promise<Outcome> {
  try {
    return { text: await what(), isFailure: false };
  } catch (error: unknown) {
    return { text: failureText(error), isFailure: true };
  }
}
