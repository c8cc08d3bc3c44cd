-- When an instance began to stop (src/engine/durable/other-instances.ts). Forward-only: never
-- edit this file after it has landed.
--
-- A stopping instance leaves the due jobs to a live instance that is not stopping itself, and
-- claims nothing more; when every instance is stopping (all stopped at once), each keeps
-- delivering what falls due within shutdown_timeout, as a lone one does. Null while running.
-- Older releases never set it: they count as not stopping.
ALTER TABLE publishing_instances ADD COLUMN stopping_since timestamptz;
