-- Dead-letter queue (SPEC §6). Forward-only: never edit this file after it has landed.
-- The CHECK lists mirror ERROR_TYPES, FAILURE_REASONS (src/domain/failure.ts), PRIORITIES
-- (src/domain/job.ts), TARGET_TYPES (src/domain/target.ts) and REPLAY_RESULTS
-- (src/dlq/dlq-entry.ts); a test asserts they are equal.
CREATE TABLE publishing_dlq (
  id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id         uuid        NOT NULL,
  fingerprint    text        NOT NULL,
  target_name    text        NOT NULL,
  target_type    text        NOT NULL
    CONSTRAINT publishing_dlq_target_type_check
    CHECK (target_type IN ('webhook', 'slack', 'pagerduty', 'rootly', 'log')),
  enriched_alert jsonb       NOT NULL,
  target_config  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error_message  text        NOT NULL DEFAULT '',
  error_type     text        NOT NULL
    CONSTRAINT publishing_dlq_error_type_check
    CHECK (error_type IN ('transient', 'permanent', 'unknown')),
  error_reason   text        NOT NULL
    CONSTRAINT publishing_dlq_error_reason_check
    CHECK (error_reason IN ('rate_limited', 'server_error', 'timeout', 'network', 'circuit_open',
                            'overflow', 'shutdown', 'auth_error', 'client_error',
                            'invalid_payload', 'internal')),
  http_status    integer     CHECK (http_status BETWEEN 100 AND 599),
  retry_count    integer     NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  last_retry_at  timestamptz,
  priority       text        NOT NULL
    CONSTRAINT publishing_dlq_priority_check
    CHECK (priority IN ('high', 'medium', 'low')),
  failed_at      timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  replayed       boolean     NOT NULL DEFAULT false,
  replayed_at    timestamptz,
  replay_result  text
    CONSTRAINT publishing_dlq_replay_result_check
    CHECK (replay_result IN ('submitted', 'succeeded', 'failed')),
  replay_job_id  uuid,
  replay_of      uuid,
  -- A replayed entry says when; an unreplayed one has no replay outcome.
  CONSTRAINT publishing_dlq_replay_state_check
    CHECK ((replayed AND replayed_at IS NOT NULL AND replay_result IS NOT NULL)
        OR (NOT replayed AND replayed_at IS NULL AND replay_result IS NULL AND replay_job_id IS NULL))
);

-- One dead letter per job: a write retried after a commit it did not see is a no-op
-- (INSERT … ON CONFLICT (job_id) DO NOTHING). A replay is a new job with a new job_id.
CREATE UNIQUE INDEX publishing_dlq_job_id_key ON publishing_dlq (job_id);

-- Reads are newest first with (failed_at, id) as the keyset; each filter column leads a
-- composite index so "filter, newest first, LIMIT n" is an index range scan that stops after
-- n rows. They also serve plain lookups on their leading column (the seed's single-column
-- target_name, error_type and fingerprint indexes would be redundant write cost).
CREATE INDEX publishing_dlq_failed_at_idx
  ON publishing_dlq (failed_at DESC, id DESC);
CREATE INDEX publishing_dlq_unreplayed_idx
  ON publishing_dlq (failed_at DESC, id DESC) WHERE replayed = false;
CREATE INDEX publishing_dlq_target_name_idx
  ON publishing_dlq (target_name, failed_at DESC, id DESC);
CREATE INDEX publishing_dlq_error_type_idx
  ON publishing_dlq (error_type, failed_at DESC, id DESC);
CREATE INDEX publishing_dlq_error_reason_idx
  ON publishing_dlq (error_reason, failed_at DESC, id DESC);
CREATE INDEX publishing_dlq_priority_idx
  ON publishing_dlq (priority, failed_at DESC, id DESC);
CREATE INDEX publishing_dlq_fingerprint_idx
  ON publishing_dlq (fingerprint, failed_at DESC, id DESC);
