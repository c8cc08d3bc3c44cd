import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { ApiError } from '../api.js';
import { confirmAction } from '../dialog.js';
import { bulkOutcomeText, bulkPreviewText } from '../bulk-replay-text.js';
import { bulkFilters, dlqFilterOf } from '../filters.js';
import { formatTime, plural, timeFilterOf, words } from '../format.js';
import {
  alertnameOf,
  outcomeOf,
  isSuperseded,
  letterState,
  SUPERSEDED_REPLAY_TITLE,
} from '../letters.js';
import type { Loaded, Outcome, Page, PageContext } from '../page.js';
import { load, outcomeView, whenLoaded, writeRefusal } from '../page.js';
import { purgeAgeProblem } from '../purge-age.js';
import { links } from '../router.js';
import type { BulkReplay, DlqEntry, DlqStats } from '../schemas.js';
import {
  bulkReplaySchema,
  dlqPageSchema,
  dlqStatsSchema,
  purgedSchema,
  replayedSchema,
  targetsSchema,
} from '../schemas.js';
import { describeFilter, filterForm, groupsView } from './dead-letters-views.js';
import { purgeView } from './purge-form.js';

const PAGE_SIZE = 50;
/** The API's bulk-replay maximum per call. */
const BULK_LIMIT = 1000;

/** A long request under way: what it does, since when (epoch ms). */
interface Running {
  text: string;
  since: number;
}

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
  /** Shown once a purge was asked with a refused age, until the field is right again. */
  let purgeProblem: string | undefined;
  let running: Running | undefined;
  let ticker: number | undefined;
  /**
   * The last bulk replay's `next_cursor`, shown with its outcome as Continue: a run again from
   * the oldest would walk the same letters (docs/api.md, "Bulk replay").
   */
  let continueAfter: string | undefined;

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

  /**
   * Runs `work` with every write button disabled, saying `text` and the seconds elapsed while
   * it runs (a bulk replay of 1 000 letters takes seconds).
   */
  async function busyWith<T>(text: string, work: () => Promise<T>): Promise<T> {
    busy = true;
    outcome = undefined;
    continueAfter = undefined;
    running = { text, since: context.now() };
    window.clearInterval(ticker);
    ticker = window.setInterval(() => context.update(), 1000);
    context.update();
    try {
      return await work();
    } finally {
      window.clearInterval(ticker);
      ticker = undefined;
      running = undefined;
      busy = false;
      context.update();
    }
  }

  async function act(text: string, what: () => Promise<string>): Promise<void> {
    outcome = await busyWith(text, () => outcomeOf(what));
    context.notify(outcome.text);
    await reload();
  }

  function replayOne(entry: DlqEntry): Promise<void> {
    return act(`Replaying ${alertnameOf(entry)} to ${entry.target_name}…`, async () => {
      const { job_id } = await api.post(`/dlq/${entry.id}/replay`, replayedSchema);
      return `Replayed ${alertnameOf(entry)} to ${entry.target_name} as job ${job_id}.`;
    });
  }

  /**
   * `opener`: the button, disabled during the dry run, that gets the focus back. `after`: a
   * previous run's `next_cursor`, where both the dry run and the replay confirmed after it
   * start (a dry run that would replay nothing examined only letters the replay skips too).
   */
  async function replayMatching(opener: EventTarget | null, after?: string): Promise<void> {
    const filters = bulkFilters(filter);
    const from = after === undefined ? {} : { after };
    const preview = await busyWith('Checking which letters a replay would send (dry run)…', () =>
      load(() =>
        api.post('/dlq/replay', bulkReplaySchema, {
          filters,
          limit: BULK_LIMIT,
          dry_run: true,
          ...from,
        }),
      ),
    );
    if (preview.state !== 'ready') {
      context.notify(preview.state === 'failed' ? `Dry run failed: ${preview.message}` : '');
      return;
    }
    const { wouldReplay, text } = bulkPreviewText(preview.value);
    if (wouldReplay === 0) {
      outcome = { text, isFailure: false };
      continueAfter = cursorOf(preview.value);
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
    await act(`Replaying ${plural(wouldReplay, 'letter')}…`, async () => {
      const done = await api.post('/dlq/replay', bulkReplaySchema, {
        filters,
        // What the dry run found and the operator confirmed: skipped letters do not count.
        limit: wouldReplay,
        dry_run: false,
        ...from,
      });
      continueAfter = cursorOf(done);
      return bulkOutcomeText(done);
    });
  }

  /** `field`: the age input, focused when its text is refused. */
  async function purge(field: HTMLInputElement | null): Promise<void> {
    const age = purgeAge.trim();
    // Checked before the confirmation: a refused age (0 would purge every letter) asks nothing.
    purgeProblem = purgeAgeProblem(age);
    context.update();
    if (purgeProblem !== undefined) {
      field?.focus();
      return;
    }
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
    await act(`Purging letters older than ${age}…`, async () => {
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
      <td>${words(entry.error_reason)} <span class="muted">${entry.error_type}</span></td>
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

  /** Continue after the last bulk replay, with its dry run and confirmation as the first. */
  function continueView(): TemplateResult | string {
    if (continueAfter === undefined || outcome === undefined) return '';
    const after = continueAfter;
    const refusal = writeRefusal(context.access);
    return html`<p>
      <button
        ?disabled=${busy || refusal !== undefined}
        title=${refusal ?? 'preview, then replay the matching letters after the last one examined'}
        @click=${(event: MouseEvent) => void replayMatching(event.currentTarget, after)}
      >
        Replay the next matching letters…
      </button>
    </p>`;
  }

  /** While a long request runs: what it does (announced once) and the seconds elapsed. */
  function runningView(): TemplateResult | string {
    if (running === undefined) return '';
    const seconds = Math.max(0, Math.floor((context.now() - running.since) / 1000));
    return html`<p class="outcome outcome-running">
      <span role="status">${running.text}</span>
      <span class="muted elapsed">${seconds} s elapsed</span>
    </p>`;
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
          ${filterForm(filter, targetNames, apply)} ${runningView()} ${outcomeView(outcome)}
          ${continueView()} ${whenLoaded(listing, listView, 'dead letters')}
        </section>
        ${purgeView({
          age: purgeAge,
          problem: purgeProblem,
          busy,
          refusal: writeRefusal(context.access),
          onAgeInput(age) {
            purgeAge = age;
            // A refusal shown stays until the text is right; none is shown while typing.
            if (purgeProblem !== undefined) {
              purgeProblem = purgeAgeProblem(purgeAge.trim());
              context.update();
            }
          },
          onSubmit: (field) => void purge(field),
        })}`,
    dispose: () => window.clearInterval(ticker),
  };
}

/** Where a run that ended before the last matching letter may go on, if it says. */
function cursorOf(result: BulkReplay): string | undefined {
  return result.more_may_match === true && typeof result.next_cursor === 'string'
    ? result.next_cursor
    : undefined;
}
