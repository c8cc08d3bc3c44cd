-- Alert state stays right (docs/alert-state.md): latest state wins per (target, fingerprint),
-- dead letters keep the submission order, every attempt is recorded, and jobs of a target
-- removed by a config reload become letters. Forward-only: never edit this file after it has landed.

-- The closed vocabularies grow: a job may end `superseded` (a newer state of its alert replaced
-- it), `target_removed` is a failure reason (config reload), and a replay may end superseded.
-- The CHECK lists mirror JOB_STATES (src/domain/job.ts), FAILURE_REASONS (src/domain/failure.ts)
-- and REPLAY_RESULTS (src/dlq/dlq-entry.ts); a test asserts they are equal.
ALTER TABLE publishing_dlq DROP CONSTRAINT publishing_dlq_error_reason_check;
ALTER TABLE publishing_dlq ADD CONSTRAINT publishing_dlq_error_reason_check
  CHECK (error_reason IN ('rate_limited', 'server_error', 'timeout', 'network', 'circuit_open',
                          'overflow', 'shutdown', 'target_removed', 'auth_error', 'client_error',
                          'invalid_payload', 'internal'));
ALTER TABLE publishing_dlq DROP CONSTRAINT publishing_dlq_replay_result_check;
ALTER TABLE publishing_dlq ADD CONSTRAINT publishing_dlq_replay_result_check
  CHECK (replay_result IN ('submitted', 'succeeded', 'failed', 'superseded'));

ALTER TABLE publishing_jobs DROP CONSTRAINT publishing_jobs_state_check;
ALTER TABLE publishing_jobs ADD CONSTRAINT publishing_jobs_state_check
  CHECK (state IN ('queued', 'processing', 'retrying', 'succeeded', 'failed', 'dlq',
                   'superseded'));
ALTER TABLE publishing_jobs DROP CONSTRAINT publishing_jobs_error_reason_check;
ALTER TABLE publishing_jobs ADD CONSTRAINT publishing_jobs_error_reason_check
  CHECK (error_reason IN ('rate_limited', 'server_error', 'timeout', 'network', 'circuit_open',
                          'overflow', 'shutdown', 'target_removed', 'auth_error', 'client_error',
                          'invalid_payload', 'internal'));

-- Dead letters keep the submission order of their jobs: every replay path submits them by
-- (submitted_at, submit_seq), so firing → resolved → re-firing stays in that order even when one
-- stop wrote them all with the same failed_at, in concurrent statements. `submit_seq` orders
-- jobs submitted in the same millisecond (the engine's submission counter). Letters written
-- before this migration have no submitted_at: their failed_at stands in for it.
-- `attempts` is the job's attempt history; `possibly_delivered` marks a job whose attempt was
-- still in flight when the stop's flush window ended (the target may have it).
ALTER TABLE publishing_dlq ADD COLUMN submitted_at timestamptz;
ALTER TABLE publishing_dlq ADD COLUMN submit_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE publishing_dlq ADD COLUMN attempts jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE publishing_dlq ADD COLUMN possibly_delivered boolean NOT NULL DEFAULT false;
-- Bulk and start-up replays read unreplayed letters in this order.
CREATE INDEX publishing_dlq_unreplayed_order_idx
  ON publishing_dlq ((coalesce(submitted_at, failed_at)), submit_seq, id) WHERE replayed = false;

-- Durable jobs: the state time of their alert (supersession compares states), the job that
-- replaced a superseded one, and the attempt history (the last 20 attempts).
ALTER TABLE publishing_jobs ADD COLUMN starts_at timestamptz;
ALTER TABLE publishing_jobs ADD COLUMN superseded_by uuid;
ALTER TABLE publishing_jobs ADD COLUMN attempt_log jsonb;
-- The alert timeline reads every job of a fingerprint.
CREATE INDEX publishing_jobs_fingerprint_idx ON publishing_jobs (fingerprint, seq);

-- The newest state of each alert per target that was sent or is about to be (queued, in flight,
-- or dead-lettered): a job of an older state is superseded instead of delivered, and a replay
-- of an older letter is refused. Kept across restarts in both queue modes; purged with the DLQ's
-- retention. `resolved` orders a resolve after the firing of the same start.
CREATE TABLE publishing_alert_states (
  target_name text NOT NULL,
  fingerprint text NOT NULL,
  starts_at timestamptz NOT NULL,
  resolved boolean NOT NULL,
  job_id uuid NOT NULL,
  alertname text NOT NULL,
  labels jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (target_name, fingerprint)
);
-- The alerts list (most recent first) and retention.
CREATE INDEX publishing_alert_states_updated_idx ON publishing_alert_states (updated_at);
CREATE INDEX publishing_alert_states_alertname_idx
  ON publishing_alert_states (alertname, updated_at);
