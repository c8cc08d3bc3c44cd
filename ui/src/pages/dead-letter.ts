import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { attemptsView } from '../attempts.js';
import { confirmAction } from '../dialog.js';
import { formatTime, shortId, visibleText, words } from '../format.js';
import { jsonView } from '../json-view.js';
import {
  alertnameOf,
  lettersOfAlert,
  outcomeOf,
  isSuperseded,
  letterState,
  SUPERSEDED_REPLAY_TITLE,
} from '../letters.js';
import type { Loaded, Outcome, Page, PageContext } from '../page.js';
import { load, outcomeView, whenLoaded, writeRefusal } from '../page.js';
import { links } from '../router.js';
import type { DlqEntry } from '../schemas.js';
import { dlqEntrySchema, replayedSchema } from '../schemas.js';

/** A target's durations (src/config/targets.ts: `timeout`, `resend_after`, its `retry`), in ms. */
const TARGET_DURATION_KEYS: ReadonlySet<string> = new Set([
  'timeout',
  'base',
  'max_delay',
  'jitter',
  'max_retry_after',
  'max_job_age',
  'resend_after',
]);

function pairs(record: Record<string, string> | undefined, caption: string): TemplateResult {
  const entries = Object.entries(record ?? {});
  if (entries.length === 0) return html`<p class="muted">No ${caption.toLowerCase()}.</p>`;
  return html`<table class="pairs">
    <caption class="visually-hidden">
      ${caption}
    </caption>
    <tbody>
      ${entries.map(
        ([key, value]) =>
          html`<tr>
            <th scope="row">${visibleText(key)}</th>
            <td>${visibleText(value)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * One letter: its alert, error, attempts, the target's (masked) config, its replays; replay (a
 * superseded one only forced, after a confirmation), delete.
 */
export function createDeadLetterPage(context: PageContext, id: string): Page {
  const { api } = context;
  let entry: Loaded<DlqEntry> = { state: 'loading' };
  let later: DlqEntry[] = [];
  let busy = false;
  let outcome: Outcome | undefined;

  async function refresh(): Promise<void> {
    entry = await load(() => api.get(`/dlq/${encodeURIComponent(id)}`, dlqEntrySchema));
    // Replays that failed again are new letters whose replay_of names this one.
    if (entry.state === 'ready')
      later = await lettersOfAlert(api, entry.value.fingerprint, (e) => e.replay_of === id);
    context.update();
  }

  async function act(what: () => Promise<string>): Promise<boolean> {
    busy = true;
    context.update();
    outcome = await outcomeOf(what);
    busy = false;
    context.notify(outcome.text);
    return !outcome.isFailure;
  }

  async function replay(letter: DlqEntry): Promise<void> {
    await act(async () => {
      const { job_id } = await api.post(`/dlq/${letter.id}/replay`, replayedSchema);
      return `Replayed as job ${job_id}.`;
    });
    await refresh();
  }

  /** `?force=true`: sends the letter's older state although a newer one was sent or is queued. */
  async function replayAnyway(letter: DlqEntry): Promise<void> {
    const alert = letter.enriched_alert.alert;
    const confirmed = await confirmAction({
      title: 'Replay a superseded letter?',
      body: html`<p>
          A newer state of ${alertnameOf(letter)} was already sent to ${letter.target_name}, or is
          queued to be.
        </p>
        <p>
          Replaying re-sends this older state (${alert.status}, started
          ${formatTime(alert.startsAt)}): the target may end up with it, e.g. firing again an alert
          that was resolved since.
        </p>`,
      confirmLabel: 'Replay anyway',
      danger: true,
    });
    if (!confirmed) return;
    await act(async () => {
      const { job_id } = await api.post(`/dlq/${letter.id}/replay?force=true`, replayedSchema);
      return `Replayed as job ${job_id}, forced: the older state is sent again.`;
    });
    await refresh();
  }

  async function remove(letter: DlqEntry): Promise<void> {
    const confirmed = await confirmAction({
      title: 'Delete this dead letter?',
      body: html`<p>
        ${alertnameOf(letter)} to ${letter.target_name}, failed ${formatTime(letter.failed_at)}. It
        cannot be replayed afterwards.
      </p>`,
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!confirmed) return;
    const deleted = await act(async () => {
      await api.delete(`/dlq/${letter.id}`);
      return `Deleted dead letter ${shortId(letter.id)}.`;
    });
    if (deleted) context.navigate(links.deadLetters());
    else await refresh();
  }

  function view(letter: DlqEntry): TemplateResult {
    const alert = letter.enriched_alert.alert;
    const refusal = writeRefusal(context.access);
    const stale = isSuperseded(letter) && !letter.replayed;
    return html`<div class="page-head">
        <h1 tabindex="-1">
          ${alertnameOf(letter)} <span class="muted">to ${letter.target_name}</span>
        </h1>
        <div class="actions">
          <button
            class="primary"
            ?disabled=${busy || letter.replayed || stale || refusal !== undefined}
            title=${refusal ?? (letter.replayed ? 'already replayed' : stale ? `${SUPERSEDED_REPLAY_TITLE}; use Replay anyway…` : 'submit this alert to its target again')}
            @click=${() => void replay(letter)}
          >
            Replay
          </button>
          ${
            stale
              ? html`<button
                  ?disabled=${busy || refusal !== undefined}
                  title=${refusal ?? 'send this older state anyway, after a confirmation'}
                  @click=${() => void replayAnyway(letter)}
                >
                  Replay anyway…
                </button>`
              : ''
          }
          <button
            class="danger"
            ?disabled=${busy || refusal !== undefined}
            title=${refusal ?? 'delete, after a confirmation'}
            @click=${() => void remove(letter)}
          >
            Delete…
          </button>
        </div>
      </div>
      <p>${letterState(letter)}</p>
      ${outcomeView(outcome)}
      ${
        stale
          ? html`<p class="note">
              <strong>Superseded.</strong> A newer state of this alert was already sent to
              ${letter.target_name} or is queued, so Replay is off: it would send this older state.
              Replay anyway… sends it after a confirmation.
            </p>`
          : ''
      }
      ${
        letter.possibly_delivered === true
          ? html`<p class="warn">
              The service stopped while this attempt was in flight: the target may already have it.
            </p>`
          : ''
      }
      <div class="grid">
        <section class="card" aria-labelledby="failure-title">
          <h2 id="failure-title">Failure</h2>
          <dl class="facts">
            <dt>Failed at</dt>
            <dd><time datetime=${letter.failed_at}>${formatTime(letter.failed_at)}</time></dd>
            <dt>Reason</dt>
            <dd>${words(letter.error_reason)} (${letter.error_type})</dd>
            <dt>HTTP status</dt>
            <dd>${letter.http_status ?? '—'}</dd>
            <dt>Retries</dt>
            <dd>
              ${letter.retry_count}${letter.last_retry_at === null ? '' : `, last at ${formatTime(letter.last_retry_at)}`}
            </dd>
            <dt>Priority</dt>
            <dd>${letter.priority}</dd>
            <dt>Job</dt>
            <dd><a href=${links.job(letter.job_id)}>${letter.job_id}</a></dd>
            <dt>Fingerprint</dt>
            <dd><a href=${links.alert(letter.fingerprint)}>${letter.fingerprint}</a> (timeline)</dd>
          </dl>
          <h3>Error</h3>
          <pre class="message">${letter.error_message}</pre>
        </section>
        <section class="card" aria-labelledby="replay-title">
          <h2 id="replay-title">Replay history</h2>
          <dl class="facts">
            ${
              letter.replay_of === null
                ? ''
                : html`<dt>Replay of</dt>
                    <dd>
                      <a href=${links.deadLetter(letter.replay_of)}
                        >letter ${shortId(letter.replay_of)}</a
                      >
                    </dd>`
            }
            <dt>Replayed</dt>
            <dd>${letter.replayed ? formatTime(letter.replayed_at) : 'not yet'}</dd>
            ${
              letter.replay_job_id === null
                ? ''
                : html`<dt>Replay job</dt>
                    <dd><a href=${links.job(letter.replay_job_id)}>${letter.replay_job_id}</a></dd>`
            }
            ${
              letter.replay_result === null
                ? ''
                : html`<dt>Result</dt>
                    <dd>${letter.replay_result}</dd>`
            }
            ${
              (letter.superseded_by ?? null) === null
                ? ''
                : html`<dt>Superseded by</dt>
                    <dd>${letter.superseded_by}</dd>`
            }
          </dl>
          ${
            later.length === 0
              ? ''
              : html`<h3>Failed again as</h3>
                  <ul>
                    ${later.map((e) => html`<li><a href=${links.deadLetter(e.id)}>letter ${shortId(e.id)}</a>, ${formatTime(e.failed_at)}: ${words(e.error_reason)}</li>`)}
                  </ul>`
          }
        </section>
      </div>
      <section class="card" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        ${attemptsView(letter.attempts, letter.attempts?.length ?? 0, `attempts of job ${shortId(letter.job_id)}`)}
      </section>
      <div class="grid">
        <section class="card" aria-labelledby="labels-title">
          <h2 id="labels-title">Alert <span class="muted">${alert.status}</span></h2>
          <h3>Labels</h3>
          ${pairs(alert.labels, 'Labels')}
          <h3>Annotations</h3>
          ${pairs(alert.annotations, 'Annotations')}
          <dl class="facts">
            <dt>Starts at</dt>
            <dd>${formatTime(alert.startsAt)}</dd>
            <dt>Ends at</dt>
            <dd>
              ${alert.endsAt === undefined || alert.endsAt.startsWith('0001') ? '—' : formatTime(alert.endsAt)}
            </dd>
          </dl>
          ${
            letter.enriched_alert.classification === undefined
              ? ''
              : html`<h3>Classification</h3>
                  ${jsonView(letter.enriched_alert.classification)}`
          }
        </section>
        <section class="card" aria-labelledby="config-title">
          <h2 id="config-title">
            Target configuration
            <span class="muted">(${letter.target_type ?? 'type unknown'}, secrets masked)</span>
          </h2>
          ${jsonView(letter.target_config, TARGET_DURATION_KEYS)}
        </section>
      </div>`;
  }

  void refresh();

  return {
    title: () =>
      entry.state === 'ready' ? `${alertnameOf(entry.value)} · dead letter` : 'Dead letter',
    view: () =>
      entry.state === 'ready'
        ? view(entry.value)
        : html`<h1 tabindex="-1">Dead letter</h1>
            ${whenLoaded(entry, () => '', `dead letter ${id}`)}
            <p><a href=${links.deadLetters()}>All dead letters</a></p>`,
    dispose: () => undefined,
  };
}
