import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import type { AlertSearch } from '../alert-records.js';
import { SCAN_LIMIT, searchAlerts } from '../alert-records.js';
import { formatTime } from '../format.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded } from '../page.js';
import { links } from '../router.js';

/** Search by alertname, label=value or fingerprint; each result opens the alert's timeline. */
export function createAlertsPage(context: PageContext, query: URLSearchParams): Page {
  const q = query.get('q') ?? '';
  let results: Loaded<AlertSearch> = { state: 'loading' };

  function resultsView(search: AlertSearch): TemplateResult {
    const note =
      search.source === 'scan'
        ? html`<p class="note">
            This server has no alert API yet (<code>GET /api/v2/publishing/alerts</code>): searched
            the ${SCAN_LIMIT} most recent jobs and dead letters. Labels are matched on dead letters
            only.
          </p>`
        : '';
    if (search.alerts.length === 0)
      return html`${note}
        <p class="muted">No alert matches${q === '' ? '' : ` “${q}”`}.</p>`;
    return html`${note}
      <table>
        <caption class="visually-hidden">
          Alerts matching the search
        </caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Fingerprint</th>
            <th scope="col">Targets</th>
            <th scope="col" class="num">Jobs</th>
            <th scope="col" class="num">Letters</th>
            <th scope="col">Latest</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          ${search.alerts.map(
            (alert) =>
              html`<tr>
                <td>
                  <a href=${links.alert(alert.fingerprint)}
                    >${alert.alertname || '(no alertname)'}</a
                  >
                </td>
                <td><code>${alert.fingerprint}</code></td>
                <td>${alert.targets.join(', ')}</td>
                <td class="num">${alert.jobs}</td>
                <td class="num">${alert.letters}</td>
                <td>${alert.latestState === '' ? '' : badge(alert.latestState)}</td>
                <td>${formatTime(alert.lastSeen)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`;
  }

  void load(() => searchAlerts(context.api, q)).then((loaded) => {
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
            const value = new FormData(event.currentTarget).get('q');
            context.navigate(links.alerts(typeof value === 'string' ? value.trim() : ''));
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
          <button class="primary" type="submit">Search</button>
        </form>
        ${whenLoaded(results, resultsView, 'alerts')}`,
    dispose: () => undefined,
  };
}
