import type { FastifyInstance } from 'fastify';

import { AppError } from '../../domain/errors.js';
import type { JobFilter, JobState, Priority } from '../../domain/job.js';
import type { ServerDeps } from '../ports.js';
import { idParams, jobsQuery } from '../schemas.js';
import { jobView, queueStatsView, queueStatusView } from '../views.js';

interface JobsQuery {
  state?: JobState;
  priority?: Priority;
  target?: string;
  limit: number;
}

/** How long each mode keeps a finished job queryable: why a job id may be unknown. */
const FINISHED_JOBS_KEPT: Record<ServerDeps['readiness']['mode'], string> = {
  memory: 'finished jobs are kept in a bounded store, the last tracking.capacity, until a restart',
  durable: 'finished jobs are kept for queue.durable.retention',
};

export function registerQueueRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/api/v2/publishing/queue/status', () =>
    queueStatusView(deps.engine.status(), deps.laneMaxWaitMs),
  );

  app.get('/api/v2/publishing/queue/stats', () => queueStatsView(deps.engine.stats()));

  app.get<{ Querystring: JobsQuery }>(
    '/api/v2/publishing/queue/jobs',
    { schema: { querystring: jobsQuery } },
    async (request) => {
      const { state, priority, target, limit } = request.query;
      const filter: JobFilter = { limit };
      if (state !== undefined) filter.state = state;
      if (priority !== undefined) filter.priority = priority;
      if (target !== undefined) filter.target = target;
      const jobs = (await deps.engine.listJobs(filter)).map(jobView);
      return { jobs, count: jobs.length, limit };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v2/publishing/queue/jobs/:id',
    { schema: { params: idParams } },
    async (request) => {
      const job = await deps.engine.getJob(request.params.id);
      if (job === undefined) {
        throw new AppError(
          'not_found',
          `job ${request.params.id} is not known (${FINISHED_JOBS_KEPT[deps.readiness.mode]})`,
        );
      }
      return jobView(job);
    },
  );
}
