-- A dead letter may not know its target's type: the waiting jobs of a target absent from the
-- configuration when a durable instance starts are dead-lettered by name only (a job row does
-- not record the type), and their letters said `webhook` instead. NULL now says "unknown"; the
-- CHECK of the known types stays (NULL passes it). Forward-only: never edit this file after it
-- has landed.
ALTER TABLE publishing_dlq ALTER COLUMN target_type DROP NOT NULL;
