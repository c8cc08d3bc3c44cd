import { AppError } from '../domain/errors.js';
import type { DlqRepository } from '../dlq/dlq-repository.js';
import type { ReplayDeps } from '../dlq/replay-entry.js';
import { replayEntry, replayMatching } from '../dlq/replay-entry.js';
import type { DlqOperations } from './ports.js';

/**
 * The DLQ functions the routes and the CLI call. Without `replay` deps (the CLI on a bare
 * database has no engine) replays are refused; the CLI sends those to the server instead.
 */
export function createDlqOperations(
  repo: DlqRepository,
  replay: ReplayDeps | undefined,
): DlqOperations {
  const replayDeps = (): ReplayDeps => {
    if (replay === undefined) {
      throw new AppError('unavailable', 'replays need a running server (use --url)');
    }
    return replay;
  };
  return {
    list: (request) => repo.list(request),
    stats: () => repo.stats(),
    async get(id) {
      const entry = await repo.get(id);
      if (entry === undefined) throw new AppError('not_found', `DLQ entry ${id} not found`);
      return entry;
    },
    async remove(id) {
      if (!(await repo.remove(id))) throw new AppError('not_found', `DLQ entry ${id} not found`);
    },
    purge: (olderThanMs) => repo.purge(olderThanMs),
    async replay(id) {
      const { job_id: jobId } = await replayEntry(replayDeps(), id);
      return { jobId };
    },
    async replayMatching(request) {
      const result = await replayMatching(replayDeps(), request.filter, {
        limit: request.limit,
        dryRun: request.dryRun,
      });
      return { matched: result.matched, replayed: result.replayed, jobIds: result.job_ids };
    },
  };
}
