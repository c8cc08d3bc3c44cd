-- Names this database (docs/storage.md): the dead-letter journal an instance leaves in its
-- storage.data_dir carries this id, and is imported only into the database that has it, never
-- into another one started on the same folder. Forward-only: never edit this file after it
-- has landed.
CREATE TABLE publishing_database (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO publishing_database DEFAULT VALUES;
