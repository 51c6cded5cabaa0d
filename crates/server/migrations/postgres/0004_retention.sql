-- idv-server PostgreSQL schema, version 4: indexes for the retention sweeper, which deletes expired flows,
-- access tokens and stored idempotent responses on a schedule (DELETE … WHERE expires_at < now).
CREATE INDEX flows_expires_at ON flows (expires_at);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
