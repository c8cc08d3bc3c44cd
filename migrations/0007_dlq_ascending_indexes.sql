-- The read indexes of 0001 and 0005 rebuilt ascending, for the write path
-- (bench/scenarios/dlq-write-profile.ts). Forward-only: never edit this file after it has landed.
--
-- New dead letters carry the newest failed_at. In a DESC index they land at the left end of
-- their key range, where a full leaf page splits 50/50 and the left half alone takes the next
-- inserts: every page left behind stays half empty (these indexes grew to ~1.8x the pages of
-- ascending ones), and each of those extra splits is WAL and a buffer more per insert.
-- Ascending, new entries land at the right end of their range: nbtree splits there leave full
-- pages behind, and the failed_at-only indexes take the rightmost-leaf fast path (no descent).
-- Same keys, so reads keep their plans: "ORDER BY failed_at DESC, id DESC" is an Index Scan
-- Backward, the keyset condition (failed_at, id) < (…) still an index bound.
--
-- Each new index is built beside the old one (reads go on meanwhile; writes wait: CREATE INDEX
-- holds a SHARE lock), then the old one is dropped and the new one takes its name. It takes
-- as long as building nine indexes: 25 s for 1 000 000 rows on the 2-core development machine.

CREATE INDEX publishing_dlq_failed_at_asc
  ON publishing_dlq (failed_at, id);
CREATE INDEX publishing_dlq_unreplayed_asc
  ON publishing_dlq (failed_at, id) WHERE replayed = false;
CREATE INDEX publishing_dlq_replayed_asc
  ON publishing_dlq (failed_at, id) WHERE replayed;
CREATE INDEX publishing_dlq_target_name_asc
  ON publishing_dlq (target_name, failed_at, id);
CREATE INDEX publishing_dlq_error_type_asc
  ON publishing_dlq (error_type, failed_at, id);
CREATE INDEX publishing_dlq_error_reason_asc
  ON publishing_dlq (error_reason, failed_at, id);
CREATE INDEX publishing_dlq_priority_asc
  ON publishing_dlq (priority, failed_at, id);
CREATE INDEX publishing_dlq_fingerprint_asc
  ON publishing_dlq (fingerprint, failed_at, id);
CREATE INDEX publishing_dlq_target_reason_asc
  ON publishing_dlq (target_name, error_reason, failed_at, id);

DROP INDEX publishing_dlq_failed_at_idx, publishing_dlq_unreplayed_idx,
  publishing_dlq_replayed_idx, publishing_dlq_target_name_idx, publishing_dlq_error_type_idx,
  publishing_dlq_error_reason_idx, publishing_dlq_priority_idx, publishing_dlq_fingerprint_idx,
  publishing_dlq_target_reason_idx;

ALTER INDEX publishing_dlq_failed_at_asc RENAME TO publishing_dlq_failed_at_idx;
ALTER INDEX publishing_dlq_unreplayed_asc RENAME TO publishing_dlq_unreplayed_idx;
ALTER INDEX publishing_dlq_replayed_asc RENAME TO publishing_dlq_replayed_idx;
ALTER INDEX publishing_dlq_target_name_asc RENAME TO publishing_dlq_target_name_idx;
ALTER INDEX publishing_dlq_error_type_asc RENAME TO publishing_dlq_error_type_idx;
ALTER INDEX publishing_dlq_error_reason_asc RENAME TO publishing_dlq_error_reason_idx;
ALTER INDEX publishing_dlq_priority_asc RENAME TO publishing_dlq_priority_idx;
ALTER INDEX publishing_dlq_fingerprint_asc RENAME TO publishing_dlq_fingerprint_idx;
ALTER INDEX publishing_dlq_target_reason_asc RENAME TO publishing_dlq_target_reason_idx;
