-- Active jobs (queued, processing, retrying, failed) per lane and target, kept in step by the
-- transactions that change them (admission adds, a final completion or sweep subtracts), so
-- admission reads a few rows instead of counting every waiting job (SPEC §5, §13).
CREATE TABLE publishing_job_counts (
  priority text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
  target_name text NOT NULL,
  active integer NOT NULL,
  PRIMARY KEY (priority, target_name)
);

INSERT INTO publishing_job_counts (priority, target_name, active)
SELECT priority, target_name, count(*)::int FROM publishing_jobs
WHERE state IN ('queued', 'processing', 'retrying', 'failed')
GROUP BY priority, target_name;
