import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import type { AlertSearch } from '../alert-records.js';
import { ALERT_STATES, SCAN_LIMIT, searchAlerts } from '../alert-records.js';
import { alertnameText, formatTime } from '../format.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded } from '../page.js';
import { links } from '../router.js';
import type { AlertSummary, AlertTimeline } from '../schemas.js';

/** The cells both tables start with: the alert, opening its timeline, and its fingerprint. */
function alertCells(alert: Pick<AlertSummary, 'alertname' | 'fingerprint'>): TemplateResult {
  return html`<td class="value">
      <a href=${links.alert(alert.fingerprint)}>${alertnameText(alert.alertname)}</a>
    </td>
    <td><code>${alert.fingerprint}</code></td>`;
}

/** Each target's newest state of the alert; `null`: none recorded (—). */
function targetStatesCell(
  states: readonly { target: string; status: string | null }[],
): TemplateResult {
  return html`<td>
    ${states.map(
      (t) =>
        html`<span class="target-state"
          >${t.target} ${t.status === null ? '—' : badge(t.status)}</span
        > `,
    )}
  </td>`;
}

/**
 * The most recently recorded alerts (GET /alerts), searched by alertname, label=value or the
 * start of a fingerprint and filtered by state; a whole fingerprint is looked up by itself
 * (GET /alerts/{fingerprint}). Each opens the alert's timeline.
 */
export function createAlertsPage(context: PageContext, query: URLSearchParams): Page {
  const q = query.get('q') ?? '';
  const stateParam = query.get('state') ?? '';
  const state = ALERT_STATES.find((s) => s === stateParam);
  let results: Loaded<AlertSearch> = { state: 'loading' };

  function foundView(fingerprint: string, timeline: AlertTimeline | undefined): TemplateResult {
    if (timeline === undefined)
      return html`<p class="muted">
        No alert with fingerprint <code>${fingerprint}</code> is recorded: no job, dead letter or
        recorded state knows it (alert states and dead letters are kept for
        <code>dlq.retention</code>).
      </p>`;
    return html`<table>
      <caption class="visually-hidden">
        The alert with this fingerprint
      </caption>
      <thead>
        <tr>
          <th scope="col">Alert</th>
          <th scope="col">Fingerprint</th>
          <th scope="col">Newest state per target</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          ${alertCells(timeline)}
          ${targetStatesCell(
            timeline.targets.map((t) => ({
              target: t.target,
              status: t.newest_state === null ? null : t.newest_state.status,
            })),
          )}
        </tr>
      </tbody>
    </table>`;
  }

  function listView(alerts: AlertSummary[], scanned: boolean): TemplateResult {
    const note = scanned
      ? html`<p class="note">Searched the ${SCAN_LIMIT} most recently recorded alerts.</p>`
      : '';
    if (alerts.length === 0)
      return html`${note}
        <p class="muted">No alert matches${q === '' ? '' : ` “${q}”`}.</p>`;
    return html`${note}
      <table>
        <caption class="visually-hidden">
          Alerts matching the search, most recently recorded first
        </caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Fingerprint</th>
            <th scope="col">State</th>
            <th scope="col">Newest state per target</th>
            <th scope="col">Recorded</th>
          </tr>
        </thead>
        <tbody>
          ${alerts.map(
            (alert) =>
              html`<tr>
                ${alertCells(alert)}
                <td>${badge(alert.status)}</td>
                ${targetStatesCell(alert.targets)}
                <td>${formatTime(alert.updated_at)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
  }

  function resultsView(search: AlertSearch): TemplateResult {
    return search.kind === 'fingerprint'
      ? foundView(search.fingerprint, search.timeline)
      : listView(search.alerts, search.scanned);
  }

  void load(() => searchAlerts(context.api, q, state)).then((loaded) => {
    results = loaded;
    context.update();
  });

  return {
    title: () => (q === '' ? 'Alerts' : `Alerts: ${q}`),
    view: () =>
      html`<h1 tabindex="-1">Alerts</h1>
        <form
          class="search"
          role="search"
          @submit=${(event: SubmitEvent) => {
            event.preventDefault();
            if (!(event.currentTarget instanceof HTMLFormElement)) return;
            const form = new FormData(event.currentTarget);
            const value = form.get('q');
            const chosen = form.get('state');
            context.navigate(
              links.alerts(
                typeof value === 'string' ? value.trim() : '',
                typeof chosen === 'string' ? chosen : '',
              ),
            );
          }}
        >
          <label for="alert-q">Alertname, label (<code>key=value</code>) or fingerprint</label>
          <input
            id="alert-q"
            name="q"
            type="search"
            .value=${q}
            placeholder="DiskFull, instance=db-1, 3f2a8e2f7b10c4d5"
          />
          <label for="alert-state" class="visually-hidden">State</label>
          <select id="alert-state" name="state">
            <option value="" ?selected=${state === undefined}>any state</option>
            ${ALERT_STATES.map((s) => html`<option value=${s} ?selected=${state === s}>${s}</option>`)}
          </select>
          <button class="primary" type="submit">Search</button>
        </form>
        ${whenLoaded(results, resultsView, 'alerts')}`,
    dispose: () => undefined,
  };
}
