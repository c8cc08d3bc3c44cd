import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';
import { endedAttempts } from '../../../src/domain/job.js';

import { findAlert } from '../alert-records.js';
import { attemptList } from '../attempts.js';
import { formatTime, shortId, visibleText, words } from '../format.js';
import { letterState } from '../letters.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded } from '../page.js';
import { links } from '../router.js';
import type { AlertTimeline, Job, TargetTimeline, TimelineLetter } from '../schemas.js';

function letterLine(letter: TimelineLetter): TemplateResult {
  const status = letter.http_status === null ? '' : ` ${letter.http_status}`;
  return html`<p class="letter">
    Dead-lettered as <a href=${links.deadLetter(letter.id)}>letter ${shortId(letter.id)}</a>:
    ${words(letter.error_reason)}${status}, ${formatTime(letter.failed_at)} ${letterState(letter)}
    ${
      letter.replay_job_id === null
        ? ''
        : html`· replayed as
            <a href=${links.job(letter.replay_job_id)}>job ${shortId(letter.replay_job_id)}</a>`
    }
  </p>`;
}

function jobItem(job: Job, letters: readonly TimelineLetter[]): TemplateResult {
  const supersededBy = job.superseded_by ?? null;
  const attempts = job.attempt_history ?? [];
  return html`<li class="timeline-job">
    <time datetime=${job.submitted_at}>${formatTime(job.submitted_at)}</time>
    <a href=${links.job(job.id)}>job ${shortId(job.id)}</a> ${badge(job.alert_status)}
    ${badge(job.state)}
    ${
      supersededBy === null
        ? ''
        : html`by <a href=${links.job(supersededBy)}>job ${shortId(supersededBy)}</a>`
    }
    ${
      job.replay_of === null
        ? ''
        : html`· replay of
            <a href=${links.deadLetter(job.replay_of)}>letter ${shortId(job.replay_of)}</a>`
    }
    ${(job.alert_starts_at ?? null) === null ? '' : html`· alert started ${formatTime(job.alert_starts_at)}`}
    ${attempts.length === 0 && job.attempts === 0 ? '' : attemptList(attempts, endedAttempts(job), `attempts of job ${shortId(job.id)}`)}
    ${letters.map(letterLine)}
  </li>`;
}

function orphanItem(letter: TimelineLetter): TemplateResult {
  return html`<li class="timeline-job">
    <time datetime=${letter.failed_at}>${formatTime(letter.failed_at)}</time>
    job ${shortId(letter.job_id)} <span class="muted">(no longer held)</span>
    ${attemptList(letter.attempts, letter.attempts.length, `attempts of job ${shortId(letter.job_id)}`)}
    ${letterLine(letter)}
  </li>`;
}

function targetSection(target: TargetTimeline): TemplateResult {
  const held = new Set(target.jobs.map((job) => job.id));
  const orphans = target.dead_letters.filter((letter) => !held.has(letter.job_id));
  const shown = new Set([...held, ...orphans.map((letter) => letter.job_id)]);
  const missing = target.missing_jobs.filter((id) => !shown.has(id));
  const newest = target.newest_state;
  return html`<section class="card" aria-labelledby="target-${target.target}">
    <h2 id="target-${target.target}">
      ${target.target}
      ${newest === null ? '' : html`<span class="muted">newest state</span> ${badge(newest.status)}`}
    </h2>
    ${
      target.jobs.length === 0 && orphans.length === 0
        ? html`<p class="muted">No job or dead letter of this alert is held for this target.</p>`
        : html`<ol class="timeline">
            ${target.jobs.map((job) =>
              jobItem(
                job,
                target.dead_letters.filter((letter) => letter.job_id === job.id),
              ),
            )}
            ${orphans.map(orphanItem)}
          </ol>`
    }
    ${
      missing.length === 0
        ? ''
        : html`<p class="muted">
            Jobs no longer held: ${missing.map((id) => html`<code>${shortId(id)}</code> `)}
          </p>`
    }
  </section>`;
}

function incompleteNote(timeline: AlertTimeline): TemplateResult | string {
  if (timeline.complete) return '';
  return html`<p class="note">
    Some jobs of this alert are no longer held
    ${
      timeline.jobs_from === 'memory'
        ? 'by this process: memory mode keeps the jobs of the running process only (a restart leaves the dead letters and the newest states), in a bounded store'
        : 'in the jobs table: finished jobs are purged after queue.durable.retention'
    },
    or the timeline shows only the newest 1000 jobs and letters.
  </p>`;
}

/** One alert: per target its jobs in order with their attempts, supersessions, letters, replays. */
export function createAlertPage(context: PageContext, fingerprint: string): Page {
  let timeline: Loaded<AlertTimeline | undefined> = { state: 'loading' };

  async function refresh(): Promise<void> {
    timeline = await load(() => findAlert(context.api, fingerprint));
    context.update();
  }

  function view(t: AlertTimeline | undefined): TemplateResult {
    if (t === undefined) {
      return html`<h1 tabindex="-1">Alert ${fingerprint}</h1>
        <p class="muted">No job, dead letter or recorded state knows this alert.</p>
        <p><a href=${links.alerts()}>All alerts</a></p>`;
    }
    const labels = Object.entries(t.labels ?? {});
    return html`<div class="page-head">
        <h1 tabindex="-1">
          ${visibleText(t.alertname) || 'Alert'} <span class="muted">${t.fingerprint}</span>
        </h1>
        <button @click=${() => void refresh()}>Refresh</button>
      </div>
      ${
        labels.length === 0
          ? html`<p class="muted">Labels not recorded yet.</p>`
          : html`<ul class="labels" aria-label="labels">
              ${labels.map(([key, value]) => html`<li><code>${visibleText(key)}="${visibleText(value)}"</code></li>`)}
            </ul>`
      }
      <p><a href=${links.deadLetters({ fingerprint })}>Dead letters of this alert</a></p>
      ${incompleteNote(t)} ${t.targets.map(targetSection)}`;
  }

  void refresh();

  return {
    title: () => `Alert ${fingerprint}`,
    view: () =>
      timeline.state === 'ready'
        ? view(timeline.value)
        : html`<h1 tabindex="-1">Alert ${fingerprint}</h1>
            ${whenLoaded(timeline, () => '', 'the alert')}`,
    dispose: () => undefined,
  };
}
