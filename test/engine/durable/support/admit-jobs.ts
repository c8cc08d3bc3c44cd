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
