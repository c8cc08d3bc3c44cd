import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { deliveriesChart, failuresChart } from '../charts.js';
import { ago, formatCount, formatSeconds, words } from '../format.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { badge, load, whenLoaded, writeRefusal } from '../page.js';
import { links } from '../router.js';
import type {
  DlqStats,
  History,
  Lane,
  QueueStatus,
  Readiness,
  Target,
  TargetTest,
} from '../schemas.js';
import {
  dlqStatsSchema,
  historySchema,
  queueStatusSchema,
  targetTestSchema,
  targetsSchema,
} from '../schemas.js';

export const REFRESH_MS = 5000;

const LANES = ['high', 'medium', 'low'] as const;

/** Each panel loads on its own: the DLQ's figures need the database, the lanes do not. */
interface Snapshot {
  status: Loaded<QueueStatus>;
  history: Loaded<History>;
  targets: Loaded<Target[]>;
  dlq: Loaded<DlqStats>;
}

/** Kept with the last good value of a panel when a refresh of it fails. */
function keepLastGood<T>(previous: Loaded<T>, next: Loaded<T>): Loaded<T> {
  return next.state === 'failed' && previous.state === 'ready' ? previous : next;
}

/**
 * Said above the panels while /readyz reports the database down: what still works depends on
 * the mode (docs/operations.md, "PostgreSQL outages").
 */
function databaseBanner(readiness: Readiness | undefined): TemplateResult | string {
  if (readiness === undefined || readiness.database === 'ok') return '';
  const consequence =
    readiness.database === 'unavailable'
      ? 'Durable mode: new alerts are refused with 503 (Alertmanager retries them) until it answers again.'
      : 'Memory mode: alerts are still accepted and delivered while the lanes have room; new dead letters wait in their lanes until the database answers again.';
  return html`<p class="note" role="alert">
    <strong>The database is unreachable.</strong> ${consequence} Dead-letter figures cannot be read
    meanwhile.
  </p>`;
}

/**
 * Whose figures a panel shows. Instances in durable mode share one database: the DLQ's figures
 * and, in durable mode, the lanes are read from it (every instance's); workers, breakers, last
 * success and failure and the recent activity are the answering instance's own (docs/api.md).
 * The queue status names the instance that answered it.
 */
function scope(whose: 'this instance' | 'all instances', detail: string): TemplateResult {
  return html`<span class="scope" title=${detail}>${whose}</span>`;
}

const THIS_INSTANCE_DETAIL =
  'the instance that answered this request: behind a load balancer another refresh may reach another one';

const SHARED_DATABASE_DETAIL = 'read from the database the instances share';

/** Whose lanes: the shared database's in durable mode, this process's in memory mode. */
function lanesScope(mode: string | undefined): TemplateResult | string {
  if (mode === 'durable')
    return scope(
      'all instances',
      "every instance's jobs, read from the shared database at this instance's last heartbeat",
    );
  if (mode === 'memory') return scope('this instance', THIS_INSTANCE_DETAIL);
  return '';
}

/** Lanes, workers, the last 15 minutes, targets and the DLQ at a glance; refreshed live. */
export function createOverviewPage(context: PageContext): Page {
  const { api } = context;
  let snapshot: Snapshot = {
    status: { state: 'loading' },
    history: { state: 'loading' },
    targets: { state: 'loading' },
    dlq: { state: 'loading' },
  };
  /** Asked when a panel fails: whether the database is down, and what that means here. */
  let readiness: Readiness | undefined;
  /** The queue mode (`GET /readyz`): whether the lanes are this instance's or every one's. */
  let mode: string | undefined;
  let loadedAt = 0;
  let live = true;
  let timer: number | undefined;
  const tests = new Map<string, Loaded<TargetTest>>();

  async function refresh(): Promise<void> {
    const [status, history, targets, dlq, first] = await Promise.all([
      load(() => api.get('/queue/status', queueStatusSchema)),
      load(() => api.get('/queue/history', historySchema)),
      load(async () => (await api.get('/targets', targetsSchema)).targets),
      load(() => api.get('/dlq/stats', dlqStatsSchema)),
      // The mode once: it changes only with a restart.
      mode === undefined ? load(() => api.readiness()) : undefined,
    ]);
    const parts = [status, history, targets, dlq];
    const failure = parts.find((part) => part.state === 'failed');
    // A failed refresh keeps the last good figures on screen, marked stale.
    if (failure?.state === 'failed' && loadedAt !== 0)
      context.notify(`Live update failed: ${failure.message}`);
    snapshot = {
      status: keepLastGood(snapshot.status, status),
      history: keepLastGood(snapshot.history, history),
      targets: keepLastGood(snapshot.targets, targets),
      dlq: keepLastGood(snapshot.dlq, dlq),
    };
    const asked = failure === undefined ? first : (first ?? (await load(() => api.readiness())));
    if (asked?.state === 'ready') mode = asked.value.mode;
    readiness = failure !== undefined && asked?.state === 'ready' ? asked.value : undefined;
    if (parts.some((part) => part.state === 'ready')) loadedAt = context.now();
    context.update();
  }

  function schedule(): void {
    window.clearInterval(timer);
    timer = live ? window.setInterval(() => void refresh(), REFRESH_MS) : undefined;
  }

  async function sendTest(name: string): Promise<void> {
    tests.set(name, { state: 'loading' });
    context.update();
    const result = await load(() =>
      api.post(`/targets/${encodeURIComponent(name)}/test`, targetTestSchema),
    );
    tests.set(name, result);
    context.notify(
      result.state === 'ready'
        ? `Test alert to ${name}: ${result.value.ok ? 'delivered' : `failed (${result.value.message})`}`
        : `Test alert to ${name} failed: ${result.state === 'failed' ? result.message : ''}`,
    );
    // The test moved the target's last success or failure: show it now, even when paused.
    await refresh();
  }

  function laneRow(name: (typeof LANES)[number], lane: Lane): TemplateResult {
    const maxWait = lane.max_wait_seconds ?? null;
    const late = maxWait !== null && lane.oldest_due_age_seconds > maxWait;
    return html`<tr>
      <th scope="row">${name}</th>
      <td class="nowrap">
        <meter
          min="0"
          max=${lane.capacity}
          value=${lane.size}
          high=${lane.capacity * 0.8}
          optimum="0"
          aria-label=${`${name} lane fill`}
        ></meter>
        ${formatCount(lane.size)} / ${formatCount(lane.capacity)}
      </td>
      <td class="num">${formatCount(lane.queued)}</td>
      <td class="num">${formatCount(lane.retrying)}</td>
      <td class="num">${formatCount(lane.failed)}</td>
      <td class=${late ? 'num warn' : 'num'}>${formatSeconds(lane.oldest_due_age_seconds)}</td>
      <td class="num muted">${maxWait === null ? '—' : formatSeconds(maxWait)}</td>
    </tr>`;
  }

  function queueView(status: QueueStatus): TemplateResult {
    return html`<section aria-labelledby="lanes-title" class="card">
      <h2 id="lanes-title">Lanes ${lanesScope(mode)}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Lane</th>
            <th scope="col">Size / capacity</th>
            <th scope="col" class="num">Queued</th>
            <th scope="col" class="num">Retrying</th>
            <th scope="col" class="num">Failed</th>
            <th scope="col" class="num">Oldest due</th>
            <th scope="col" class="num">max_wait</th>
          </tr>
        </thead>
        <tbody>
          ${LANES.map((name) => laneRow(name, status.lanes[name]))}
        </tbody>
      </table>
      <p class="figures">
        <span
          ><strong>${status.busy_workers}</strong> of ${status.workers} workers busy
          ${scope('this instance', THIS_INSTANCE_DETAIL)}</span
        >
        <meter
          min="0"
          max=${status.workers}
          value=${status.busy_workers}
          aria-label="busy workers of this instance"
        ></meter>
        <span><strong>${formatCount(status.in_flight)}</strong> in flight</span>
        <span><strong>${formatCount(status.retrying)}</strong> waiting to retry</span>
        ${status.stopping ? html`${badge('stopping')} ${scope('this instance', THIS_INSTANCE_DETAIL)}` : ''}
        <span class="instance">answered by <code>${status.instance}</code></span>
      </p>
      <p class="muted small">${lanesNote(mode)}</p>
    </section>`;
  }

  function lanesNote(queueMode: string | undefined): string {
    if (queueMode === 'durable')
      return "Durable mode: the lanes, in flight and waiting to retry count the jobs of every instance sharing the database, as read at this instance's last heartbeat; the workers are this instance's.";
    if (queueMode === 'memory')
      return "Memory mode: the lanes, in flight, waiting to retry and workers are this instance's own; another instance has its own.";
    return "The workers are this instance's own.";
  }

  function testResult(name: string): TemplateResult | string {
    const result = tests.get(name);
    if (result === undefined) return '';
    if (result.state === 'loading') return html`<span class="muted">sending…</span>`;
    if (result.state === 'failed') return html`<span class="error">${result.message}</span>`;
    const { ok, http_status, latency_ms, message } = result.value;
    const verdict = ok ? 'delivered' : 'failed';
    const status = http_status === null ? '' : ` · HTTP ${http_status}`;
    const detail = message === verdict ? '' : ` · ${message}`;
    return html`<span class=${ok ? 'ok' : 'error'}
      >${verdict}${status} · ${latency_ms} ms${detail}</span
    >`;
  }

  function targetsView(targets: Target[]): TemplateResult {
    const refusal = writeRefusal(context.access);
    const now = context.now();
    return html`<section aria-labelledby="targets-title" class="card">
      <h2 id="targets-title">Targets ${scope('this instance', THIS_INSTANCE_DETAIL)}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Type</th>
            <th scope="col">Breaker</th>
            <th scope="col">Last success</th>
            <th scope="col">Last failure</th>
            <th scope="col">Test</th>
          </tr>
        </thead>
        <tbody>
          ${targets.map(
            (target) =>
              html`<tr>
                <th scope="row">
                  <a
                    href=${links.deadLetters({ target: target.name })}
                    title="dead letters of ${target.name}"
                    >${target.name}</a
                  >
                  ${target.enabled ? '' : badge('disabled')}
                </th>
                <td>${target.type}</td>
                <td>${badge(target.breaker_state)}</td>
                <td title=${target.last_success_at ?? ''}>${ago(target.last_success_at, now)}</td>
                <td title=${target.last_failure_at ?? ''}>${ago(target.last_failure_at, now)}</td>
                <td>
                  <button
                    ?disabled=${refusal !== undefined || !target.enabled || tests.get(target.name)?.state === 'loading'}
                    title=${refusal ?? (target.enabled ? `send a labelled test alert to ${target.name} now` : 'disabled target')}
                    aria-label="Send test alert to ${target.name}"
                    @click=${() => void sendTest(target.name)}
                  >
                    Send test alert
                  </button>
                  <span class="test-result" aria-live="polite">${testResult(target.name)}</span>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p class="muted small">
        Breaker, last success and last failure as this instance sees them, since it started, test
        alerts included (a test alert is sent from this instance); a queued attempt's failure is
        placed to its 10 s sample. Each instance has its own breakers.
      </p>
    </section>`;
  }

  function dlqView(stats: DlqStats): TemplateResult {
    const groups = (stats.by_target_reason ?? []).filter((g) => g.count > g.replayed).slice(0, 5);
    return html`<section aria-labelledby="dlq-title" class="card">
      <h2 id="dlq-title">Dead letters ${scope('all instances', SHARED_DATABASE_DETAIL)}</h2>
      <p class="figures">
        <span><strong>${formatCount(stats.total - stats.replayed)}</strong> waiting</span>
        <span><strong>${formatCount(stats.replayed)}</strong> replayed</span>
        <a href=${links.deadLetters({ replayed: 'false' })}>Open dead letters</a>
      </p>
      ${
        groups.length === 0
          ? html`<p class="muted">Nothing waiting.</p>`
          : html`<ul class="groups">
              ${groups.map(
                (g) =>
                  html`<li>
                    <a
                      href=${links.deadLetters({ target: g.target, reason: g.reason, replayed: 'false' })}
                      >${g.target} · ${words(g.reason)}</a
                    >
                    <strong>${formatCount(g.count - g.replayed)}</strong>
                  </li>`,
              )}
            </ul>`
      }
    </section>`;
  }

  function activityView(history: History): TemplateResult {
    return html`<section aria-labelledby="activity-title" class="card">
      <h2 id="activity-title">
        Last ${history.window_seconds / 60} minutes ${scope('this instance', THIS_INSTANCE_DETAIL)}
      </h2>
      ${deliveriesChart(history)} ${failuresChart(history)}
      ${
        history.buckets.length === 0
          ? html`<p class="muted small">The first 10 s sample is not in yet.</p>`
          : ''
      }
    </section>`;
  }

  /** A panel's own view once loaded; until then, or when it failed, its title and why. */
  function panel<T>(
    loaded: Loaded<T>,
    title: string,
    view: (value: T) => TemplateResult,
  ): TemplateResult {
    if (loaded.state === 'ready') return view(loaded.value);
    return html`<section class="card" aria-label=${title}>
      <h2>${title}</h2>
      ${whenLoaded(loaded, () => '', title.toLowerCase())}
    </section>`;
  }

  void refresh();
  schedule();

  return {
    title: () => 'Overview',
    view() {
      return html`<div class="page-head">
          <h1 tabindex="-1">Overview</h1>
          <p class="live">
            <span aria-live="off"
              >${loadedAt === 0 ? '' : `updated ${ago(new Date(loadedAt).toISOString(), context.now())}`}</span
            >
            <button
              aria-pressed=${live ? 'false' : 'true'}
              @click=${() => {
                live = !live;
                schedule();
                if (live) void refresh();
                context.update();
              }}
            >
              ${live ? 'Pause updates' : 'Resume updates'}
            </button>
          </p>
        </div>
        <p class="muted small scope-note">
          Figures marked ${scope('this instance', THIS_INSTANCE_DETAIL)} are those of the instance
          that answered (instances sharing a database each have their own workers, breakers and
          activity; the lanes name the instance that answered them, and behind a load balancer each
          panel may reach another); those marked ${scope('all instances', SHARED_DATABASE_DETAIL)}
          are read from the database.
        </p>
        ${databaseBanner(readiness)}
        <div class="grid overview">
          ${panel(snapshot.status, 'Lanes', queueView)}
          ${panel(snapshot.history, 'Recent activity', activityView)}
        </div>
        ${panel(snapshot.targets, 'Targets', targetsView)}
        ${panel(snapshot.dlq, 'Dead letters', dlqView)}`;
    },
    dispose() {
      window.clearInterval(timer);
    },
  };
}
