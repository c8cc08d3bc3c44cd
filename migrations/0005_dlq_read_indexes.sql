-- Reads that 0001's indexes served badly (bench/scenarios/dlq-read-indexes.ts has the plans).
-- Forward-only: never edit this file after it has landed.

-- `replayed = true` (the operator's "what did we replay" view and its capped total): without
-- it the total was a sequential scan until 10 001 matches. Free on insert: new rows have
-- replayed = false, and a claim already rewrites the index entries (it updates `replayed`,
-- which the unreplayed index covers). Also serves the stale-claim sweep.
CREATE INDEX publishing_dlq_replayed_idx
  ON publishing_dlq (failed_at DESC, id DESC) WHERE replayed;

-- Target and reason together ("why does this target fail"): the total otherwise read every
-- heap row of the target to test the reason. One more btree per insert.
CREATE INDEX publishing_dlq_target_reason_idx
  ON publishing_dlq (target_name, error_reason, failed_at DESC, id DESC);
