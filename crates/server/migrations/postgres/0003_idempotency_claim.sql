-- idv-server PostgreSQL schema, version 3: an Idempotency-Key is claimed before its request runs.
-- A row whose claim is set is in progress: its owner (the request that inserted it, holding
-- the random claim token) is running, and expires_at is the claim's lease, after which
-- another request may take the key over. A completed row has no claim; rows written before
-- this version are completed rows.
ALTER TABLE idempotency_keys ADD COLUMN claim TEXT;
