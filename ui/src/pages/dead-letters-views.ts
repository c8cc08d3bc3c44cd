import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { reasonColour } from '../charts.js';
import type { DlqFilter, DlqFilterKey } from '../filters.js';
import { DLQ_FILTER_OPTIONS, targetOptions } from '../filters.js';
import { formatCount, isoToLocalInput, words } from '../format.js';
import { links } from '../router.js';
import type { DlqGroup, DlqStats } from '../schemas.js';

/** The dead-letters page's parts that read no page state: filter form, counts, filter text. */

function select(
  filter: DlqFilter,
  key: DlqFilterKey,
  label: string,
  options: readonly string[],
): TemplateResult {
  return html`<label
    >${label}
    <select name=${key}>
      <option value="">any</option>
      ${options.map((option) => html`<option value=${option} ?selected=${filter[key] === option}>${words(option)}</option>`)}
    </select></label
  >`;
}

function timeInput(
  filter: DlqFilter,
  key: 'failed_after' | 'failed_before',
  label: string,
): TemplateResult {
  return html`<label
    >${label}
    <input
      type="datetime-local"
      name=${key}
      step="1"
      .value=${isoToLocalInput(filter[key] ?? null)}
  /></label>`;
}

/** The filter form; `targetNames` are the configured targets, `apply` handles its submit. */
export function filterForm(
  filter: DlqFilter,
  targetNames: readonly string[],
  apply: (event: SubmitEvent) => void,
): TemplateResult {
  return html`<form class="filters" role="search" aria-label="Filter dead letters" @submit=${apply}>
    ${select(filter, 'target', 'Target', targetOptions(targetNames, filter.target))}
    ${select(filter, 'reason', 'Reason', DLQ_FILTER_OPTIONS.reason)}
    ${select(filter, 'error_type', 'Error type', DLQ_FILTER_OPTIONS.error_type)}
    ${select(filter, 'priority', 'Priority', DLQ_FILTER_OPTIONS.priority)}
    <label
      >Replayed
      <select name="replayed">
        <option value="">any</option>
        <option value="false" ?selected=${filter.replayed === 'false'}>waiting</option>
        <option value="true" ?selected=${filter.replayed === 'true'}>replayed</option>
      </select></label
    >
    <label
      title="the service stopped while the attempt was in flight: the target may already have it"
      >Possibly delivered
      <select name="possibly_delivered">
        <option value="">any</option>
        <option value="true" ?selected=${filter.possibly_delivered === 'true'}>yes</option>
        <option value="false" ?selected=${filter.possibly_delivered === 'false'}>no</option>
      </select></label
    >
    ${timeInput(filter, 'failed_after', 'Failed after (UTC)')}
    ${timeInput(filter, 'failed_before', 'Failed before (UTC)')}
    ${filter.fingerprint === undefined ? '' : html`<input type="hidden" name="fingerprint" .value=${filter.fingerprint} />`}
    <div class="filter-actions">
      <button class="primary" type="submit">Apply filters</button>
      <a href=${links.deadLetters()}>Clear</a>
    </div>
  </form>`;
}

/** Waiting (and all) letters by target × reason, each count a link to those letters. */
export function groupsView(s: DlqStats): TemplateResult {
  const groups = s.by_target_reason;
  if (groups === undefined)
    return html`<p class="muted">This server does not count by target × reason.</p>`;
  if (groups.length === 0) return html`<p class="muted">The dead-letter queue is empty.</p>`;
  const targets = [...new Set(groups.map((g) => g.target))].sort();
  const reasons = [...new Set(groups.map((g) => g.reason))].sort();
  const cell = new Map<string, DlqGroup>(groups.map((g) => [`${g.target}/${g.reason}`, g]));
  return html`<table class="matrix">
    <caption>
      Waiting letters (all letters) by target × reason; a count opens those letters.
    </caption>
    <thead>
      <tr>
        <th scope="col">Target</th>
        ${reasons.map(
          (reason) =>
            html`<th scope="col">
              <span class="dot" aria-hidden="true"
                ><svg viewBox="0 0 10 10">
                  <circle cx="5" cy="5" r="5" fill=${reasonColour(reason)}></circle></svg></span
              >${words(reason)}
            </th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${targets.map(
        (target) =>
          html`<tr>
            <th scope="row">${target}</th>
            ${reasons.map((reason) => {
              const g = cell.get(`${target}/${reason}`);
              if (g === undefined) return html`<td class="num muted">·</td>`;
              return html`<td class="num">
                <a
                  href=${links.deadLetters({ target, reason, replayed: 'false' })}
                  aria-label="${g.count - g.replayed} waiting ${words(reason)} letters of ${target}"
                  >${formatCount(g.count - g.replayed)}</a
                >
                <a
                  class="muted"
                  href=${links.deadLetters({ target, reason })}
                  aria-label="all ${g.count} ${words(reason)} letters of ${target}"
                  >(${formatCount(g.count)})</a
                >
              </td>`;
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function describeOne(key: string, value: string): string {
  switch (key) {
    case 'replayed':
      return value === 'true' ? 'replayed' : 'waiting';
    case 'possibly_delivered':
      return value === 'true' ? 'possibly delivered' : 'not possibly delivered';
    default:
      return `${words(key)} ${value}`;
  }
}

export function describeFilter(filter: DlqFilter): string {
  const parts = Object.entries(filter).map(([key, value]) => describeOne(key, value ?? ''));
  return parts.length === 0 ? 'every letter' : parts.join(', ');
}
