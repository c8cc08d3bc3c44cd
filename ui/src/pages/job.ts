import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';
import { endedAttempts } from '../../../src/domain/job.js';

import { attemptsView } from '../attempts.js';
import { alertnameText, formatTime, shortId } from '../format.js';
import { lastErrorText } from '../jobs-table.js';
import { lettersOfAlert } from '../letters.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded } from '../page.js';
import { links } from '../router.js';
import { targetWaitText } from '../target-wait.js';
import type { DlqEntry, Job } from '../schemas.js';
import { jobSchema } from '../schemas.js';

/** One job: its state, times, attempts and last error, with links to its alert and letters. */
export function createJobPage(context: PageContext, id: string): Page {
  const { api } = context;
  let job: Loaded<Job> = { state: 'loading' };
  let letters: DlqEntry[] = [];

  async function refresh(): Promise<void> {
    job = await load(() => api.get(`/queue/jobs/${encodeURIComponent(id)}`, jobSchema));
    if (job.state === 'ready')
      letters = await lettersOfAlert(
        api,
        job.value.fingerprint,
        (e) => e.job_id === id || e.replay_job_id === id,
      );
    context.update();
  }

  function view(j: Job): TemplateResult {
    const targetWait = targetWaitText(j);
    return html`<div class="page-head">
        <h1 tabindex="-1">Job ${j.id}</h1>
        <button @click=${() => void refresh()}>Refresh</button>
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="job-title">
          <h2 id="job-title">${alertnameText(j.alertname)} to ${j.target} ${badge(j.state)}</h2>
          <dl class="facts">
            <dt>Alert</dt>
            <dd><a href=${links.alert(j.fingerprint)}>${j.fingerprint}</a> (${j.alert_status})</dd>
            <dt>Priority</dt>
            <dd>${j.priority}</dd>
            <dt>Attempts</dt>
            <dd>${j.attempts} (${j.retries} counted as retries)</dd>
            <dt>Submitted</dt>
            <dd>${formatTime(j.submitted_at)}</dd>
            <dt>Started</dt>
            <dd>${formatTime(j.started_at)}</dd>
            <dt>Next attempt</dt>
            <dd>${formatTime(j.next_attempt_at)}${targetWait === '' ? '' : ` (${targetWait})`}</dd>
            <dt>Completed</dt>
            <dd>${formatTime(j.completed_at)}</dd>
            <dt>Updated</dt>
            <dd>${formatTime(j.updated_at)}</dd>
            ${
              j.replay_of === null
                ? ''
                : html`<dt>Replay of</dt>
                    <dd>
                      <a href=${links.deadLetter(j.replay_of)}>dead letter ${j.replay_of}</a>
                    </dd>`
            }
            ${
              (j.superseded_by ?? null) === null
                ? ''
                : html`<dt>Superseded by</dt>
                    <dd><a href=${links.job(j.superseded_by ?? '')}>job ${j.superseded_by}</a></dd>`
            }
          </dl>
          <h3>Last error</h3>
          ${j.last_error === null ? html`<p class="muted">none</p>` : html`<pre class="message">${lastErrorText(j)}</pre>`}
        </section>
        <section class="card" aria-labelledby="letters-title">
          <h2 id="letters-title">Dead letters</h2>
          ${
            letters.length === 0
              ? html`<p class="muted">No dead letter of or replayed by this job.</p>`
              : html`<ul>
                  ${letters.map((e) => html`<li><a href=${links.deadLetter(e.id)}>${e.job_id === id ? 'letter of this job' : 'letter replayed by this job'}</a>, ${formatTime(e.failed_at)}</li>`)}
                </ul>`
          }
        </section>
      </div>
      <section class="card" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        ${attemptsView(j.attempt_history, endedAttempts(j), `attempts of job ${shortId(j.id)}`)}
      </section>`;
  }

  void refresh();

  return {
    title: () => `Job ${id.slice(0, 8)}`,
    view: () =>
      job.state === 'ready'
        ? view(job.value)
        : html`<h1 tabindex="-1">Job ${id}</h1>
            ${whenLoaded(job, () => '', 'the job')}
            <p><a href=${links.jobs()}>All jobs</a></p>`,
    dispose: () => undefined,
  };
}
