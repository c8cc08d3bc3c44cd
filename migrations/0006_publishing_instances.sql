-- Leases per instance instead of per job (SPEC §13). A claimed job names its instance in
-- lease_owner; the instance's one row here carries the lease, renewed by its heartbeat with
-- one single-row UPDATE whatever it holds (per-job leases rewrote every held row each
-- heartbeat). Jobs of an instance whose lease lapsed, or of an owner with no row at all, go
-- back to waiting at the next sweep of any instance.
CREATE TABLE publishing_instances (
  id text PRIMARY KEY,
  lease_expires_at timestamptz NOT NULL,
  started_at timestamptz NOT NULL
);

-- Jobs claimed under per-job leases have no instance row: back to waiting (at least once).
UPDATE publishing_jobs SET state = 'retrying', lease_owner = NULL
WHERE state = 'processing';

-- Drops the per-job lease, its CHECK and publishing_jobs_lease_idx with it.
ALTER TABLE publishing_jobs DROP COLUMN lease_expires_at;
ALTER TABLE publishing_jobs ADD CONSTRAINT publishing_jobs_owner_check
  CHECK ((state = 'processing') = (lease_owner IS NOT NULL));

-- The sweep: claimed jobs by owner (a few hundred per instance at most).
CREATE INDEX publishing_jobs_owner_idx ON publishing_jobs (lease_owner)
  WHERE state = 'processing';

-- Chain order (SPEC §5) without a probe per claim candidate: a job admitted while another
-- active job of its (target, fingerprint) existed may have to wait for it; any other job is its
-- chain's oldest active one for as long as it is active (admissions are serialised, and a later
-- job of the chain is newer), so claims check the chain only for jobs marked here.
ALTER TABLE publishing_jobs ADD COLUMN may_wait boolean NOT NULL DEFAULT true;
ALTER TABLE publishing_jobs ALTER COLUMN may_wait DROP DEFAULT;

-- The stored alert is only ever read whole (claims): json keeps the text as given, sparing
-- the jsonb conversion on every admission and claim.
ALTER TABLE publishing_jobs
  ALTER COLUMN alert TYPE json USING alert::json,
  ALTER COLUMN classification TYPE json USING classification::json;

-- Retention reads publishing_jobs_updated_idx instead (a final job's updated_at is its
-- completed_at): one index fewer to write on every completion.
DROP INDEX publishing_jobs_completed_idx;
