/* eslint-disable @typescript-eslint/require-await -- fakes of async ports that answer at once */
import { randomUUID } from 'node:crypto';

import { AppError } from '../../src/domain/errors.js';
import type { DlqEntry, DlqFilter } from '../../src/dlq/dlq-entry.js';
import type { DlqOperations } from '../../src/dlq/dlq-operations.js';
import type { PublishingEngine } from '../../src/engine/publishing-engine.js';
import { anAlert } from './builders.js';

export function aDlqEntry(overrides: Partial<DlqEntry> = {}): DlqEntry {
  const alert = anAlert({ severity: 'warning' });
  return {
    id: randomUUID(),
    job_id: randomUUID(),
    fingerprint: alert.fingerprint,
    target_name: 'hook',
    target_type: 'webhook',
    enriched_alert: { alert },
    target_config: { url: 'http://127.0.0.1:9/hook' },
    error_message: 'HTTP 503',
    error_type: 'transient',
    error_reason: 'server_error',
    http_status: 503,
    retry_count: 3,
    last_retry_at: '2026-11-29T11:59:00.000Z',
    priority: 'medium',
    failed_at: '2026-11-29T11:59:00.000Z',
    created_at: '2026-11-29T11:59:00.000Z',
    updated_at: '2026-11-29T11:59:00.000Z',
    replayed: false,
    replayed_at: null,
    replay_result: null,
    replay_job_id: null,
    replay_of: null,
    submitted_at: '2026-11-29T11:58:00.000Z',
    attempts: [],
    possibly_delivered: false,
    ...overrides,
  };
}

function matches(entry: DlqEntry, filter: DlqFilter): boolean {
  if (filter.target !== undefined && entry.target_name !== filter.target) return false;
  if (filter.error_type !== undefined && entry.error_type !== filter.error_type) return false;
  if (filter.priority !== undefined && entry.priority !== filter.priority) return false;
  if (filter.replayed !== undefined && entry.replayed !== filter.replayed) return false;
  if (filter.fingerprint !== undefined && entry.fingerprint !== filter.fingerprint) return false;
  return true;
}

/**
 * DLQ operations over `entries`. Bulk replay skips (and counts) letters whose target is not in
 * `configuredTargets`, as the real one does for a target removed from the config.
 */
export function createMemoryDlq(
  entries: DlqEntry[],
  engine: PublishingEngine,
  configuredTargets: ReadonlySet<string> = new Set(['hook', 'chat']),
): DlqOperations {
  const find = (id: string): DlqEntry => {
    const entry = entries.find((e) => e.id === id);
    if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
    return entry;
  };
  return {
    list: async ({ filter, limit = 100, offset = 0 }) => {
      const all = entries.filter((entry) => matches(entry, filter));
      return {
        entries: all.slice(offset, offset + limit),
        total: all.length,
        total_is_lower_bound: false,
        limit,
        offset,
        next_cursor: null,
      };
    },
    stats: async () => ({
      total: entries.length,
      replayed: entries.filter((e) => e.replayed).length,
      by_error_type: {},
      by_target: {},
      by_priority: {},
      by_target_reason: [],
      oldest_failed_at: null,
      newest_failed_at: null,
    }),
    get: async (id) => find(id),
    remove: async (id) => {
      entries.splice(entries.indexOf(find(id)), 1);
    },
    purge: async (olderThanMs) => {
      const cutoff = Date.parse('2026-11-29T12:00:00Z') - olderThanMs;
      const old = entries.filter((e) => Date.parse(e.failed_at) < cutoff);
      for (const e of old) entries.splice(entries.indexOf(e), 1);
      return old.length;
    },
    replay: async (id) => {
      const entry = find(id);
      if (entry.replayed)
        throw new AppError('already_replayed', `DLQ entry ${id} was already replayed`);
      const result = await engine.submit([
        { alert: entry.enriched_alert.alert, target: entry.target_name, replayOf: id },
      ]);
      if (!result.ok) throw new AppError('queue_full', 'queue full', { retryAfterMs: 2000 });
      entry.replayed = true;
      const jobId = result.jobIds[0] ?? '';
      entry.replay_job_id = jobId;
      return { jobId };
    },
    replayMatching: async ({ filter, limit, dryRun }) => {
      const waiting = entries.filter((e) => !e.replayed && matches(e, filter));
      const picked = waiting.slice(0, limit);
      const gone = picked.filter((e) => !configuredTargets.has(e.target_name));
      const skipped = {
        skippedSuperseded: 0,
        skippedTargetNotConfigured: gone.length,
        targetsNotConfigured: [...new Set(gone.map((e) => e.target_name))].sort(),
        skippedTargetFailing: 0,
        targetsFailing: [],
        stopped: null,
        moreMayMatch: waiting.length > limit,
        // Resuming by cursor is the real replay's (src/dlq/replay-matching.ts).
        nextCursor: null,
      };
      const replayable = picked.filter((e) => configuredTargets.has(e.target_name));
      if (dryRun) {
        const would = { wouldReplay: replayable.length };
        return { matched: picked.length, replayed: 0, ...would, ...skipped, jobIds: [] };
      }
      const jobIds: string[] = [];
      for (const entry of replayable) {
        entry.replayed = true;
        jobIds.push(randomUUID());
      }
      return { matched: picked.length, replayed: replayable.length, ...skipped, jobIds };
    },
  };
}
