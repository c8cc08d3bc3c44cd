-- Whether the retry a waiting job is due for counts against max_retries (a retry after a 429
-- or after an attempt cut by a stop does not). Forward-only: never edit this file after it has
-- landed.
--
-- `retries` counts the retries made: the dispatcher adds a counted retry when its attempt
-- starts, not when it is scheduled, so that a job dead-lettered while its retry waits (its
-- target removed, its circuit open too long) does not count a retry it never got. Rows waiting
-- at the upgrade counted theirs already, so they start with false.
ALTER TABLE publishing_jobs ADD COLUMN is_retry_counted boolean NOT NULL DEFAULT false;
