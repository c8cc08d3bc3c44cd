import type { DlqOperations } from '../dlq/dlq-operations.js';
import type { DlqFilterInput } from '../dlq/dlq-filter-input.js';
import { purgeAgeMs, toDlqFilter } from '../dlq/dlq-filter-input.js';
import { decodeCursor } from '../dlq/dlq-filter.js';
import type { ApiClient } from './api-client.js';

export interface PageOptions {
  limit: number;
  offset: number;
  before?: string;
}

/**
 * What the dlq commands that read, purge or delete do, over either path: the server's API, or
 * the database directly (the same DlqOperations the HTTP routes call). Results are the API's
 * wire shapes.
 */
export interface DlqBackend {
  readonly path: 'server' | 'database';
  list(filter: DlqFilterInput, page: PageOptions): Promise<unknown>;
  show(id: string): Promise<unknown>;
  purge(olderThan: string): Promise<unknown>;
  remove(id: string): Promise<void>;
  stats(): Promise<unknown>;
}

/** Replays: always the server's API, because a replay submits a job to a running engine. */
export interface DlqReplays {
  replay(id: string, force: boolean): Promise<unknown>;
  /** `after`: a previous answer's `next_cursor`, to go on from there. */
  replayMatching(
    filter: DlqFilterInput,
    limit: number,
    dryRun: boolean,
    after?: string,
  ): Promise<unknown>;
}

const BASE = '/api/v2/publishing/dlq';

export function serverDlq(api: ApiClient): DlqBackend {
  return {
    path: 'server',
    list: (filter, page) => api.get(BASE, { ...filter, ...page }),
    show: (id) => api.get(`${BASE}/${encodeURIComponent(id)}`),
    purge: (olderThan) => api.delete(`${BASE}/purge`, { older_than: olderThan }, { long: true }),
    remove: async (id) => {
      await api.delete(`${BASE}/${encodeURIComponent(id)}`);
    },
    stats: () => api.get(`${BASE}/stats`),
  };
}

export function serverReplays(api: ApiClient): DlqReplays {
  return {
    replay: (id, force) =>
      api.post(`${BASE}/${encodeURIComponent(id)}/replay${force ? '?force=true' : ''}`),
    replayMatching: (filters, limit, dryRun, after) =>
      api.post(
        `${BASE}/replay`,
        { filters, limit, dry_run: dryRun, ...(after === undefined ? {} : { after }) },
        { long: true },
      ),
  };
}

/** Reads, purges and deletes in the database; the server is not called. */
export function databaseDlq(ops: DlqOperations): DlqBackend {
  return {
    path: 'database',
    list: (filter, page) => {
      if (page.before !== undefined) decodeCursor(page.before, '--before');
      return ops.list({ filter: toDlqFilter(filter, ''), ...page });
    },
    show: (id) => ops.get(id),
    purge: async (olderThan) => ({
      deleted_count: await ops.purge(purgeAgeMs(olderThan, '--older-than')),
    }),
    remove: (id) => ops.remove(id),
    stats: () => ops.stats(),
  };
}
