import type { Db } from '../../../../src/db/db.js';
import type {
  AdmissionPlan,
  AdmissionSettings,
  TargetHealth,
} from '../../../../src/engine/admission.js';
import type { OverflowLetters } from '../../../../src/engine/durable/admit-jobs.js';
import { admitBatches } from '../../../../src/engine/durable/admit-jobs.js';
import type { NewJob } from '../../../../src/engine/durable/job-row.js';

/** One batch admitted in a transaction of its own (the engine groups the batches that wait). */
export async function admitJobs(
  db: Db,
  jobs: readonly NewJob[],
  settings: AdmissionSettings,
  health: TargetHealth,
  nowMs: number,
  overflow: OverflowLetters,
): Promise<AdmissionPlan<NewJob>> {
  const group = await admitBatches(
    db,
    [{ jobs, health, configured: [] }],
    settings,
    nowMs,
    overflow,
  );
  const [plan] = group.plans;
  if (plan === undefined) throw new Error('admission returned no plan');
  return plan;
}

/**
 * `jobs` admitted into roomy lanes of healthy targets, none overflowing: the claim tests' way
 * to put jobs in the table. Fails the test if admission refuses them.
 */
export async function admitHealthy(db: Db, jobs: readonly NewJob[], nowMs: number): Promise<void> {
  const plan = await admitJobs(
    db,
    jobs,
    { capacity: { high: 1000, medium: 1000, low: 1000 }, perTargetShare: 1 },
    { isFailing: () => false, isThrottled: () => false, enabledCount: 1 },
    nowMs,
    {
      insert: () => Promise.resolve(0),
      errorOf: () => {
        throw new Error('no overflow expected');
      },
      letterOf: () => {
        throw new Error('no overflow expected');
      },
    },
  );
  if (!plan.ok) throw new Error(`admission refused the jobs: ${plan.code}`);
}
