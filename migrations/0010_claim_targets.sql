-- The targets of a durable claim (src/engine/durable/claim-jobs.ts), with their free slots, as a
-- set the planner counts as one row. Forward-only: never edit this file after it has landed.
--
-- The claim is a prepared statement. Written over `unnest($4, $5)`, its generic plan assumed
-- ten targets, so it looked costlier than the custom plans, and PostgreSQL planned the
-- statement afresh on every claim (docs/benchmarks.md, webhook-duel, has the cost). The plan's
-- shape is the same either way (one index range per target and lane). A PL/pgSQL function is
-- never inlined, so its ROWS estimate stands: the generic plan wins after the first five
-- executions, and the statement is planned once per connection.
CREATE FUNCTION publishing_claim_targets(p_targets text[], p_slots int[])
  RETURNS TABLE (target_name text, slots int)
  LANGUAGE plpgsql IMMUTABLE ROWS 1 AS $$
BEGIN
  RETURN QUERY SELECT t.name, t.free FROM unnest(p_targets, p_slots) AS t(name, free);
END
$$;
