import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { alertnameText, formatTime, shortId, words } from './format.js';
import { badge } from './page.js';
import { links } from './router.js';
import type { Job } from './schemas.js';

export function lastErrorText(job: Job): string {
  const error = job.last_error;
  if (error === null) return '';
  const status = error.http_status === null ? '' : ` ${error.http_status}`;
  return `${words(error.reason)}${status}: ${error.message}`;
}

/** Jobs newest first: when, which alert to which target, state, tries, last error. */
export function jobsTable(jobs: readonly Job[], caption: string): TemplateResult {
  if (jobs.length === 0) return html`<p class="muted">No jobs.</p>`;
  return html`<table class="jobs">
    <caption class="visually-hidden">
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Updated</th>
        <th scope="col">Job</th>
        <th scope="col">Alert</th>
        <th scope="col">Target</th>
        <th scope="col">Priority</th>
        <th scope="col">State</th>
        <th scope="col" class="num">Attempts</th>
        <th scope="col">Last error</th>
      </tr>
    </thead>
    <tbody>
      ${jobs.map(
        (job) =>
          html`<tr>
            <td><time datetime=${job.updated_at}>${formatTime(job.updated_at)}</time></td>
            <td><a href=${links.job(job.id)} aria-label="job ${job.id}">${shortId(job.id)}</a></td>
            <td class="value">
              <a href=${links.alert(job.fingerprint)}>${alertnameText(job.alertname)}</a>
              <span class="muted">${job.alert_status}</span>
            </td>
            <td>${job.target}</td>
            <td>${job.priority}</td>
            <td>${badge(job.state)}</td>
            <td class="num">${job.attempts}</td>
            <td class="clip" title=${lastErrorText(job)}>${lastErrorText(job)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
