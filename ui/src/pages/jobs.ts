import { html } from 'lit-html';
import type { TemplateResult } from 'lit-html';

import { PRIORITIES } from '../../../src/domain/job.js';
import { targetOptions } from '../filters.js';
import { jobsTable } from '../jobs-table.js';
import type { Loaded, Page, PageContext } from '../page.js';
import { load, whenLoaded } from '../page.js';
import { links } from '../router.js';
import type { Job } from '../schemas.js';
import { jobsSchema, targetsSchema } from '../schemas.js';

/** The job states of docs/how-it-works.md; `superseded` is shown once the server knows it. */
const STATES = ['queued', 'processing', 'retrying', 'succeeded', 'failed', 'dlq'] as const;
const LIMITS = ['50', '100', '500', '1000'] as const;

/** Recent jobs (the status store's, newest first) with state, priority and target filters. */
export function createJobsPage(context: PageContext, query: URLSearchParams): Page {
  const { api } = context;
  const filter = {
    state: query.get('state') ?? '',
    priority: query.get('priority') ?? '',
    target: query.get('target') ?? '',
    limit: query.get('limit') ?? '100',
  };
  let jobs: Loaded<Job[]> = { state: 'loading' };
  let states: readonly string[] = STATES;
  let targets: string[] = [];

  async function refresh(): Promise<void> {
    jobs = { state: 'loading' };
    context.update();
    jobs = await load(async () => (await api.get('/queue/jobs', jobsSchema, filter)).jobs);
    context.update();
  }

  async function discover(): Promise<void> {
    const [supersededKnown, named] = await Promise.all([
      load(() => api.get('/queue/jobs', jobsSchema, { state: 'superseded', limit: 1 })),
      load(() => api.get('/targets', targetsSchema)),
    ]);
    if (supersededKnown.state === 'ready') states = [...STATES, 'superseded'];
    if (named.state === 'ready') targets = named.value.targets.map((t) => t.name);
    context.update();
  }

  function select(
    name: keyof typeof filter,
    label: string,
    options: readonly string[],
    any = true,
  ): TemplateResult {
    return html`<label
      >${label}
      <select name=${name}>
        ${any ? html`<option value="">any</option>` : ''}
        ${options.map((option) => html`<option value=${option} ?selected=${filter[name] === option}>${option}</option>`)}
      </select></label
    >`;
  }

  void refresh();
  void discover();

  return {
    title: () => 'Jobs',
    view: () =>
      html`<div class="page-head">
          <h1 tabindex="-1">Jobs</h1>
          <button @click=${() => void refresh()}>Refresh</button>
        </div>
        <form
          class="filters"
          role="search"
          aria-label="Filter jobs"
          @submit=${(event: SubmitEvent) => {
            event.preventDefault();
            if (!(event.currentTarget instanceof HTMLFormElement)) return;
            const next: Record<string, string> = {};
            for (const [key, value] of new FormData(event.currentTarget).entries()) {
              if (typeof value === 'string') next[key] = value;
            }
            context.navigate(links.jobs(next));
          }}
        >
          ${select('state', 'State', states)} ${select('priority', 'Priority', PRIORITIES)}
          ${select('target', 'Target', targetOptions(targets, filter.target))}
          ${select('limit', 'Show', LIMITS, false)}
          <div class="filter-actions">
            <button class="primary" type="submit">Apply filters</button>
            <a href=${links.jobs()}>Clear</a>
          </div>
        </form>
        <p class="muted small">
          Most recently updated first; finished jobs are kept for a while: the last
          tracking.capacity in memory mode, queue.durable.retention in durable mode.
        </p>
        ${whenLoaded(jobs, (list) => jobsTable(list, 'Jobs'), 'jobs')}`,
    dispose: () => undefined,
  };
}
