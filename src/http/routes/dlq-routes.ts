import type { FastifyInstance } from 'fastify';

import type { DlqFilterInput } from '../../dlq/dlq-filter-input.js';
import { purgeAgeMs, toDlqFilter } from '../../dlq/dlq-filter-input.js';
import { decodeCursor } from '../../dlq/dlq-filter.js';
import { decodeReplayCursor } from '../../dlq/replay-cursor.js';
import { refuseWhileDraining } from '../admission.js';
import type { ServerDeps } from '../ports.js';
import { bulkReplayBody, dlqListQuery, idParams, purgeQuery, replayQuery } from '../schemas.js';

interface ListQuery extends DlqFilterInput {
  limit: number;
  offset: number;
  before?: string;
}

interface BulkBody {
  filters?: DlqFilterInput;
  limit: number;
  dry_run: boolean;
  after?: string;
}

const BASE = '/api/v2/publishing/dlq';

export function registerDlqRoutes(
  app: FastifyInstance,
  deps: ServerDeps,
  isDraining: () => boolean,
): void {
  app.get<{ Querystring: ListQuery }>(
    BASE,
    { schema: { querystring: dlqListQuery } },
    async (request) => {
      const { limit, offset, before, ...filter } = request.query;
      const page = { filter: toDlqFilter(filter), limit, offset };
      // Checked here to name the field as the other query problems are; the list decodes it.
      if (before !== undefined) decodeCursor(before, 'query.before');
      return deps.dlq.list(before === undefined ? page : { ...page, before });
    },
  );

  app.get(`${BASE}/stats`, async () => deps.dlq.stats());

  app.post<{ Body: BulkBody }>(
    `${BASE}/replay`,
    { schema: { body: bulkReplayBody } },
    async (request) => {
      const { after } = request.body;
      const filter = toDlqFilter(request.body.filters ?? {}, 'body.filters');
      const resume = after === undefined ? {} : { after: decodeReplayCursor(after, 'body.after') };
      if (!request.body.dry_run) refuseWhileDraining(isDraining, deps.admissionRetryAfterMs);
      const result = await deps.dlq.replayMatching({
        filter,
        limit: request.body.limit,
        dryRun: request.body.dry_run,
        ...resume,
      });
      return {
        matched: result.matched,
        replayed: result.replayed,
        ...(result.wouldReplay === undefined ? {} : { would_replay: result.wouldReplay }),
        skipped_superseded: result.skippedSuperseded,
        skipped_target_not_configured: result.skippedTargetNotConfigured,
        targets_not_configured: result.targetsNotConfigured,
        skipped_target_failing: result.skippedTargetFailing,
        targets_failing: result.targetsFailing,
        job_ids: result.jobIds,
        stopped: result.stopped,
        more_may_match: result.moreMayMatch,
        next_cursor: result.nextCursor,
        dry_run: request.body.dry_run,
      };
    },
  );

  app.delete<{ Querystring: { older_than: string } }>(
    `${BASE}/purge`,
    { schema: { querystring: purgeQuery } },
    async (request) => {
      const olderThanMs = purgeAgeMs(request.query.older_than, 'query.older_than');
      return { deleted_count: await deps.dlq.purge(olderThanMs) };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${BASE}/:id`,
    { schema: { params: idParams } },
    async (request) => deps.dlq.get(request.params.id),
  );

  app.post<{ Params: { id: string }; Querystring: { force: boolean } }>(
    `${BASE}/:id/replay`,
    { schema: { params: idParams, querystring: replayQuery } },
    async (request, reply) => {
      refuseWhileDraining(isDraining, deps.admissionRetryAfterMs);
      const { jobId } = await deps.dlq.replay(request.params.id, { force: request.query.force });
      return reply.code(202).send({ job_id: jobId });
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${BASE}/:id`,
    { schema: { params: idParams } },
    async (request, reply) => {
      await deps.dlq.remove(request.params.id);
      return reply.code(204).send();
    },
  );
}
