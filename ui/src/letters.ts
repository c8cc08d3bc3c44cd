import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { badge } from './page.js';
import type { DlqEntry } from './schemas.js';

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
  const superseded =
    entry.superseded === true || (entry.superseded_by ?? null) !== null ? badge('superseded') : '';
  const maybeSent =
    entry.possibly_delivered === true ? badge('possibly delivered', 'possibly') : '';
  return html`${replay} ${superseded} ${maybeSent}`;
}

export function alertnameOf(entry: DlqEntry): string {
  return entry.enriched_alert.alert.labels['alertname'] ?? '(no alertname)';
}
