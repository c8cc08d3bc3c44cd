-- Durable queue (queue.mode: durable, SPEC §13): one row per job, written before the 2xx.
-- Waiting jobs are `queued` or `retrying`; a claimed job is `processing` under a lease
-- (lease_owner, lease_expires_at) that its instance renews; final jobs (`succeeded`, `dlq`)
-- stay for the retention window. `failed` is never committed here: a final failure and its
-- dead letter commit together, straight to `dlq`.
CREATE TABLE publishing_jobs (
  id uuid PRIMARY KEY,
  -- Submission order; per (target, fingerprint) only the lowest active seq may be claimed.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  target_name text NOT NULL,
  fingerprint text NOT NULL,
  alertname text NOT NULL,
  alert_status text NOT NULL CHECK (alert_status IN ('firing', 'resolved')),
  priority text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
  state text NOT NULL
    CHECK (state IN ('queued', 'processing', 'retrying', 'succeeded', 'failed', 'dlq')),
  alert jsonb NOT NULL,
  classification jsonb,
  replay_of uuid,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  retries integer NOT NULL DEFAULT 0 CHECK (retries >= 0),
  submitted_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  started_at timestamptz,
  completed_at timestamptz,
  last_attempt_at timestamptz,
  error_type text CHECK (error_type IN ('transient', 'permanent', 'unknown')),
  error_reason text CHECK (error_reason IN (
    'rate_limited', 'server_error', 'timeout', 'network', 'circuit_open', 'overflow',
    'shutdown', 'auth_error', 'client_error', 'invalid_payload', 'internal')),
  http_status integer,
  error_message text,
  lease_owner text,
  lease_expires_at timestamptz,
  CHECK ((state = 'processing') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
)
-- Every job is updated 2-3 times and deleted after retention: vacuum early so claims do not
-- wade through dead index entries at the head of the due index.
WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.05);

-- Claims: one index range per target and lane, oldest due first.
CREATE INDEX publishing_jobs_due_idx ON publishing_jobs (target_name, priority, due_at, seq)
  WHERE state IN ('queued', 'retrying');
-- Order per (target, fingerprint): "is there an older active job of this chain?"
CREATE INDEX publishing_jobs_chain_idx ON publishing_jobs (target_name, fingerprint, seq)
  WHERE state IN ('queued', 'processing', 'retrying', 'failed');
-- Lease expiry sweep.
CREATE INDEX publishing_jobs_lease_idx ON publishing_jobs (lease_expires_at)
  WHERE state = 'processing';
-- Retention of final jobs.
CREATE INDEX publishing_jobs_completed_idx ON publishing_jobs (completed_at)
  WHERE state IN ('succeeded', 'dlq');
-- Job-status list: most recently updated first.
CREATE INDEX publishing_jobs_updated_idx ON publishing_jobs (updated_at DESC);
