import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { ApiError } from '../api.js';
import { confirmAction } from '../dialog.js';
import { bulkOutcomeText, bulkPreviewText } from '../bulk-replay-text.js';
import { bulkFilters, dlqFilterOf } from '../filters.js';
import { formatTime, plural, timeFilterOf } from '../format.js';
import {
  alertnameOf,
  outcomeOf,
  isSuperseded,
  letterState,
  SUPERSEDED_REPLAY_TITLE,
} from '../letters.js';
import type { Loaded, Outcome, Page, PageContext } from '../page.js';
import { load, outcomeView, whenLoaded, writeRefusal } from '../page.js';
import { links } from '../router.js';
import type { DlqEntry, DlqStats } from '../schemas.js';
import {
  bulkReplaySchema,
  dlqPageSchema,
  dlqStatsSchema,
  purgedSchema,
  replayedSchema,
  targetsSchema,
} from '../schemas.js';
import { describeFilter, filterForm, groupsView } from './dead-letters-views.js';

const PAGE_SIZE = 50;
/** The API's bulk-replay maximum per call. */
const BULK_LIMIT = 1000;

interface Listing {
  entries: DlqEntry[];
  total: number;
  totalIsLowerBound: boolean;
  nextCursor: string | null;
}

/** Filter, count by target × reason, replay one or all matching, delete, purge. */
export function createDeadLettersPage(context: PageContext, query: URLSearchParams): Page {
  const { api } = context;
  const filter = dlqFilterOf(query);
  let listing: Loaded<Listing> = { state: 'loading' };
  let stats: Loaded<DlqStats> = { state: 'loading' };
  let targetNames: string[] = [];
  let busy = false;
  let outcome: Outcome | undefined;
  let purgeAge = '720h';

  async function loadList(before?: string): Promise<void> {
    const next = await load(() =>
      api.get('/dlq', dlqPageSchema, { ...filter, limit: PAGE_SIZE, before }),
    );
    if (next.state !== 'ready') listing = next;
    else {
      const earlier =
        before !== undefined && listing.state === 'ready' ? listing.value.entries : [];
      listing = {
        state: 'ready',
        value: {
          entries: [...earlier, ...next.value.entries],
          total: next.value.total,
          totalIsLowerBound: next.value.total_is_lower_bound,
          nextCursor: next.value.next_cursor,
        },
      };
    }
    context.update();
  }

  async function loadStats(): Promise<void> {
    stats = await load(() => api.get('/dlq/stats', dlqStatsSchema));
    context.update();
  }

  async function reload(): Promise<void> {
    await Promise.all([loadList(), loadStats()]);
  }

  async function act(what: () => Promise<string>): Promise<void> {
    busy = true;
    context.update();
    outcome = await outcomeOf(what);
    busy = false;
    context.notify(outcome.text);
    await reload();
  }

  function replayOne(entry: DlqEntry): Promise<void> {
    return act(async () => {
      const { job_id } = await api.post(`/dlq/${entry.id}/replay`, replayedSchema);
      return `Replayed ${alertnameOf(entry)} to ${entry.target_name} as job ${job_id}.`;
    });
  }

  /** `opener`: the button, disabled during the dry run, that gets the focus back. */
  async function replayMatching(opener: EventTarget | null): Promise<void> {
    busy = true;
    context.update();
    const filters = bulkFilters(filter);
    const preview = await load(() =>
      api.post('/dlq/replay', bulkReplaySchema, { filters, limit: BULK_LIMIT, dry_run: true }),
    );
    busy = false;
    context.update();
    if (preview.state !== 'ready') {
      context.notify(preview.state === 'failed' ? `Dry run failed: ${preview.message}` : '');
      return;
    }
    const { wouldReplay, text } = bulkPreviewText(preview.value);
    if (wouldReplay === 0) {
      outcome = { text, isFailure: false };
      context.notify(text);
      context.update();
      return;
    }
    const confirmed = await confirmAction({
      title: 'Replay dead letters?',
      body: html`<p class="preview">${text}</p>
        <p>
          Filter:
          ${describeFilter(filter)}.${wouldReplay >= BULK_LIMIT ? ` At most ${BULK_LIMIT} per run.` : ''}
        </p>
        <p class="muted">
          Each becomes a new job with the target's current configuration, oldest first.
        </p>`,
      confirmLabel: `Replay ${plural(wouldReplay, 'letter')}`,
      opener: opener instanceof Element ? opener : null,
    });
    if (!confirmed) return;
    await act(async () => {
      const done = await api.post('/dlq/replay', bulkReplaySchema, {
        filters,
        // What the dry run found and the operator confirmed: skipped letters do not count.
        limit: wouldReplay,
        dry_run: false,
      });
      return bulkOutcomeText(done);
    });
  }

  async function purge(): Promise<void> {
    const age = purgeAge.trim();
    const confirmed = await confirmAction({
      title: 'Purge dead letters?',
      body: html`<p>
        Delete every dead letter that failed more than <strong>${age}</strong> ago, replayed or not,
        whatever the filter. This cannot be undone.
      </p>`,
      confirmLabel: `Purge older than ${age}`,
      danger: true,
    });
    if (!confirmed) return;
    await act(async () => {
      const { deleted_count } = await api.deleteJson('/dlq/purge', purgedSchema, {
        older_than: age,
      });
      return `Purged ${plural(deleted_count, 'dead letter')} older than ${age}.`;
    });
  }

  function apply(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget;
    if (!(form instanceof HTMLFormElement)) return;
    const data = new FormData(form);
    const next: Record<string, string | undefined> = {};
    for (const [key, value] of data.entries()) {
      if (typeof value !== 'string' || value === '') continue;
      next[key] =
        key === 'failed_after' || key === 'failed_before'
          ? timeFilterOf(value, filter[key])
          : value;
    }
    context.navigate(links.deadLetters(next));
  }

  function row(entry: DlqEntry, refusal: string | undefined): TemplateResult {
    const name = alertnameOf(entry);
    return html`<tr>
      <td><time datetime=${entry.failed_at}>${formatTime(entry.failed_at)}</time></td>
      <td class="value">
        <a href=${links.deadLetter(entry.id)}>${name}</a>
        <span class="muted">${entry.enriched_alert.alert.status}</span>
      </td>
      <td>${entry.target_name}</td>
      <td>
        ${entry.error_reason.replace(/_/g, ' ')} <span class="muted">${entry.error_type}</span>
      </td>
      <td class="num">${entry.http_status ?? '—'}</td>
      <td>${entry.priority}</td>
      <td class="num">${entry.retry_count}</td>
      <td>${letterState(entry)}</td>
      <td class="nowrap">
        <button
          ?disabled=${busy || entry.replayed || isSuperseded(entry) || refusal !== undefined}
          title=${refusal ?? (entry.replayed ? 'already replayed' : isSuperseded(entry) ? `${SUPERSEDED_REPLAY_TITLE}; open the letter to replay it anyway` : 'submit this alert to its target again')}
          aria-label="Replay ${name} to ${entry.target_name}, failed ${formatTime(entry.failed_at)}"
          @click=${() => void replayOne(entry)}
        >
          Replay
        </button>
      </td>
    </tr>`;
  }

  function listView(l: Listing): TemplateResult {
    const refusal = writeRefusal(context.access);
    return html`<div class="list-head">
        <p>
          <strong>${l.totalIsLowerBound ? 'at least ' : ''}${plural(l.total, 'letter')}</strong>
          match${l.total === 1 && !l.totalIsLowerBound ? 'es' : ''}
          ${Object.keys(filter).length === 0 ? '' : html`<span class="muted">(${describeFilter(filter)})</span>`}
        </p>
        <button
          class="primary"
          ?disabled=${busy || refusal !== undefined}
          title=${refusal ?? 'preview, then replay every waiting letter that matches the filter'}
          @click=${(event: MouseEvent) => void replayMatching(event.currentTarget)}
        >
          Replay matching…
        </button>
      </div>
      ${
        l.entries.length === 0
          ? html`<p class="muted">No dead letter matches.</p>`
          : html`<table class="letters">
              <thead>
                <tr>
                  <th scope="col">Failed at</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Target</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">HTTP</th>
                  <th scope="col">Priority</th>
                  <th scope="col" class="num">Retries</th>
                  <th scope="col">State</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                ${l.entries.map((entry) => row(entry, refusal))}
              </tbody>
            </table>`
      }
      ${
        l.nextCursor === null
          ? ''
          : html`<p>
              <button @click=${() => void loadList(l.nextCursor ?? undefined)}>
                Load older letters
              </button>
            </p>`
      }`;
  }

  function purgeView(): TemplateResult {
    const refusal = writeRefusal(context.access);
    return html`<section class="card" aria-labelledby="purge-title">
      <h2 id="purge-title">Purge</h2>
      <form
        class="inline"
        @submit=${(event: SubmitEvent) => {
          event.preventDefault();
          void purge();
        }}
      >
        <label
          >Older than
          <input
            name="older_than"
            required
            pattern="[0-9]+(ms|s|m|h|d)"
            size="8"
            .value=${purgeAge}
            @input=${(event: Event) => {
              if (event.target instanceof HTMLInputElement) purgeAge = event.target.value;
            }}
        /></label>
        <button
          class="danger"
          type="submit"
          ?disabled=${busy || refusal !== undefined}
          title=${refusal ?? 'delete old letters, after a confirmation'}
        >
          Purge…
        </button>
      </form>
    </section>`;
  }

  void reload();
  void api.get('/targets', targetsSchema).then(
    (answer) => {
      targetNames = answer.targets.map((t) => t.name);
      context.update();
    },
    (error: unknown) => {
      if (!(error instanceof ApiError)) throw error;
      context.notify(`Cannot list targets: ${error.message}`);
    },
  );

  return {
    title: () => 'Dead letters',
    view: () =>
      html`<h1 tabindex="-1">Dead letters</h1>
        <section class="card" aria-labelledby="groups-title">
          <h2 id="groups-title">What broke</h2>
          ${whenLoaded(stats, groupsView, 'the counts')}
        </section>
        <section class="card" aria-labelledby="letters-title">
          <h2 id="letters-title">Letters</h2>
          ${filterForm(filter, targetNames, apply)} ${outcomeView(outcome)}
          ${whenLoaded(listing, listView, 'dead letters')}
        </section>
        ${purgeView()}`,
    dispose: () => undefined,
  };
}
