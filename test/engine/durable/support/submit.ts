import { randomUUID } from 'node:crypto';

import type { Db } from '../../../../src/db/db.js';
import type { Priority } from '../../../../src/domain/job.js';
import { admitJobs } from './admit-jobs.js';
import type { NewJob } from '../../../../src/engine/durable/job-row.js';
import { dlqInsertOn } from '../../../../src/engine/durable/insert-dead-letters.js';
import { createSystemClock } from '../../../../src/domain/system-clock.js';
import { anAlert } from '../../../support/builders.js';

const PRIORITY_CYCLE: Priority[] = ['high', 'medium', 'low'];

/**
 * Submits `count` jobs spread over `targets` targets and the three lanes, in requests of
 * `perRequest` (one transaction each, as a webhook request would be), through the durable
 * admission path. Returns the job ids by priority.
 */
export async function submitJobs(
  db: Db,
  count: number,
  options: { targets: number; perRequest?: number; nowMs?: number },
): Promise<Map<string, Priority>> {
  const ids = new Map<string, Priority>();
  const perRequest = options.perRequest ?? 500;
  for (let offset = 0; offset < count; offset += perRequest) {
    const jobs: NewJob[] = [];
    for (let i = offset; i < Math.min(count, offset + perRequest); i += 1) {
      const priority = PRIORITY_CYCLE[i % 3] ?? 'medium';
      const id = randomUUID();
      ids.set(id, priority);
      jobs.push({
        id,
        target: `t${i % options.targets}`,
        alert: anAlert({ n: String(i) }),
        priority,
      });
    }
    const result = await admitJobs(
      db,
      jobs,
      { capacity: { high: 1e6, medium: 1e6, low: 1e6 }, perTargetShare: 1 },
      { isFailing: () => false, isThrottled: () => false, enabledCount: options.targets },
      options.nowMs ?? Date.now(),
      {
        insert: dlqInsertOn(createSystemClock()),
        errorOf: () => {
          throw new Error('no overflow expected');
        },
        letterOf: () => {
          throw new Error('no overflow expected');
        },
      },
    );
    if (!result.ok) throw new Error(`admission refused: ${result.code}`);
  }
  return ids;
}
