import type { FastifyInstance } from 'fastify';

import type { HistoryBucket } from '../../metrics/attempt-history.js';
import type { ServerDeps } from '../ports.js';
import { iso } from '../views.js';

function bucketView(bucket: HistoryBucket) {
  return {
    start: iso(bucket.startMs),
    end: iso(bucket.endMs),
    deliveries: bucket.deliveries,
    failures: bucket.failures,
  };
}

/** GET …/queue/history: the attempt history's buckets, oldest first (docs/api.md). */
export function registerHistoryRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get('/api/v2/publishing/queue/history', () => ({
    interval_seconds: deps.history.intervalMs / 1000,
    window_seconds: deps.history.windowMs / 1000,
    buckets: deps.history.buckets().map(bucketView),
  }));
}
