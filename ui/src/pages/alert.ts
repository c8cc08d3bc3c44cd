import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import type { TimelineAnswer } from '../alert-records.js';
import { SCAN_LIMIT, recordsOf, timelineOf } from '../alert-records.js';
import { formatTime, shortId } from '../format.js';
import { jsonView } from '../json-view.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded } from '../page.js';
import { links } from '../router.js';
import type { DlqEntry, Job } from '../schemas.js';

interface TimelineEvent {
  at: string;
  target: string;
  what: TemplateResult;
}

interface Records {
  timeline: TimelineAnswer;
  jobs: Job[];
  letters: DlqEntry[];
}

function jobEvents(job: Job): TimelineEvent[] {
  const jobLink = html`<a href=${links.job(job.id)}>job ${shortId(job.id)}</a>`;
  const events: TimelineEvent[] = [
    {
      at: job.submitted_at,
      target: job.target,
      what: html`${jobLink} submitted (${job.alert_status},
      ${job.priority})${job.replay_of === null ? '' : html` replaying <a href=${links.deadLetter(job.replay_of)}>letter ${shortId(job.replay_of)}</a>`}`,
    },
  ];
  if (job.started_at !== null) {
    events.push({
      at: job.started_at,
      target: job.target,
      what: html`${jobLink} first attempt started`,
    });
  }
  const error =
    job.last_error === null
      ? ''
      : ` · last error: ${job.last_error.reason.replace(/_/g, ' ')}${job.last_error.http_status === null ? '' : ` ${job.last_error.http_status}`}`;
  const end = job.completed_at ?? job.updated_at;
  events.push({
    at: end,
    target: job.target,
    what: html`${jobLink} ${badge(job.state)} after ${job.attempts}
    attempt${job.attempts === 1 ? '' : 's'}${error}${job.next_attempt_at === null ? '' : ` · next attempt ${formatTime(job.next_attempt_at)}`}`,
  });
  return events;
}

function letterEvents(letter: DlqEntry): TimelineEvent[] {
  const link = html`<a href=${links.deadLetter(letter.id)}>letter ${shortId(letter.id)}</a>`;
  const events: TimelineEvent[] = [
    {
      at: letter.failed_at,
      target: letter.target_name,
      what: html`dead-lettered as ${link}:
      ${letter.error_reason.replace(/_/g, ' ')}${letter.http_status === null ? '' : ` ${letter.http_status}`}
      after ${letter.retry_count} retries`,
    },
  ];
  if (letter.replayed_at !== null) {
    events.push({
      at: letter.replayed_at,
      target: letter.target_name,
      what: html`${link}
      replayed${letter.replay_job_id === null ? '' : html` as <a href=${links.job(letter.replay_job_id)}>job ${shortId(letter.replay_job_id)}</a>`}${letter.replay_result === null ? '' : `: ${letter.replay_result}`}`,
    });
  }
  return events;
}

/** One alert across targets: the timeline API's answer when the server has it, else its jobs and letters. */
export function createAlertPage(context: PageContext, fingerprint: string): Page {
  let records: Loaded<Records> = { state: 'loading' };

  function perTarget(jobs: Job[], letters: DlqEntry[]): TemplateResult {
    const events = [...jobs.flatMap(jobEvents), ...letters.flatMap(letterEvents)];
    if (events.length === 0) {
      return html`<p class="muted">
        No job in the status store and no dead letter has this fingerprint.
      </p>`;
    }
    const targets = [...new Set(events.map((e) => e.target))].sort();
    return html`${targets.map((target) => {
      const mine = events
        .filter((e) => e.target === target)
        .sort((a, b) => a.at.localeCompare(b.at));
      return html`<section class="card" aria-labelledby="target-${target}">
        <h2 id="target-${target}">${target}</h2>
        <ol class="timeline">
          ${mine.map((e) => html`<li><time datetime=${e.at}>${formatTime(e.at)}</time> <span>${e.what}</span></li>`)}
        </ol>
      </section>`;
    })}`;
  }

  function view(r: Records): TemplateResult {
    const letter = r.letters[0];
    const labels = letter?.enriched_alert.alert.labels ?? {};
    const alertname = labels['alertname'] ?? r.jobs[0]?.alertname ?? '';
    const timeline =
      r.timeline.kind === 'timeline'
        ? html`<section class="card" aria-labelledby="api-title">
            <h2 id="api-title">Timeline</h2>
            ${jsonView(r.timeline.value)}
          </section>`
        : html`<p class="note">
            ${
              r.timeline.kind === 'no-api'
                ? html`This server has no alert timeline API yet (<code
                      >GET /api/v2/publishing/alerts/{fingerprint}</code
                    >): shown below are the jobs still in the status store (of the ${SCAN_LIMIT}
                    most recent) and the dead letters of this fingerprint. Single attempts are not
                    recorded.`
                : 'The timeline API knows no alert with this fingerprint; shown below are its jobs and dead letters.'
            }
          </p>`;
    return html`<h1 tabindex="-1">
        ${alertname || 'Alert'} <span class="muted">${fingerprint}</span>
      </h1>
      ${
        Object.keys(labels).length === 0
          ? ''
          : html`<ul class="labels" aria-label="labels">
              ${Object.entries(labels).map(([key, value]) => html`<li><code>${key}="${value}"</code></li>`)}
            </ul>`
      }
      <p><a href=${links.deadLetters({ fingerprint })}>Dead letters of this alert</a></p>
      ${timeline}
      <h2 class="section-title">Jobs and dead letters by target</h2>
      ${perTarget(r.jobs, r.letters)}`;
  }

  void load(async () => {
    const [timeline, found] = await Promise.all([
      timelineOf(context.api, fingerprint),
      recordsOf(context.api, fingerprint),
    ]);
    return { timeline, ...found };
  }).then((loaded) => {
    records = loaded;
    context.update();
  });

  return {
    title: () => `Alert ${fingerprint}`,
    view: () =>
      records.state === 'ready'
        ? view(records.value)
        : html`<h1 tabindex="-1">Alert ${fingerprint}</h1>
            ${whenLoaded(records, () => '', 'the alert')}`,
    dispose: () => undefined,
  };
}
