-- Fewer index entries per durable job. Forward-only: never edit this file after it has landed.
--
-- Every job row is written three times (admission, claim, completion), and none of those
-- writes is a HOT update (the state is in the partial indexes' predicates), so each write adds
-- an entry to every index whose predicate the new row version meets. publishing_jobs_updated_idx
-- and publishing_jobs_fingerprint_idx met every version: six of the thirteen entries per job.
-- Their readers (the job list, retention, the alert timeline) now read final jobs through them
-- and active jobs (a bounded set) through publishing_jobs_chain_idx, so both keep final rows
-- only: an entry at the completion, none at admission or claim. The chain index leads with the
-- fingerprint so that the timeline's active jobs are one range of it; the chain probes give
-- both columns and read it as before.
DROP INDEX publishing_jobs_updated_idx;
CREATE INDEX publishing_jobs_updated_idx ON publishing_jobs (updated_at)
  WHERE state IN ('succeeded', 'dlq', 'superseded');

DROP INDEX publishing_jobs_fingerprint_idx;
CREATE INDEX publishing_jobs_fingerprint_idx ON publishing_jobs (fingerprint, seq)
  WHERE state IN ('succeeded', 'dlq', 'superseded');

DROP INDEX publishing_jobs_chain_idx;
CREATE INDEX publishing_jobs_chain_idx ON publishing_jobs (fingerprint, target_name, seq)
  WHERE state IN ('queued', 'processing', 'retrying', 'failed');
