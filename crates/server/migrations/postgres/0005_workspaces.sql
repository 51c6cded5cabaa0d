-- idv-server PostgreSQL schema, version 5: the verification surface's tenancy. A workspace owns API
-- tokens (`<id>|<secret>`, the secret kept only as its SHA-256) and an address blacklist.
-- `flows` holds the workspace's overrides of the flow defaults as a JSON object ('{}' for none).
CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    flows TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_workspace_id ON api_tokens (workspace_id);
-- For the revocation mark, which a running server reads once per second.
CREATE INDEX api_tokens_revoked_at ON api_tokens (revoked_at);
CREATE TABLE address_blacklist (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    street TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX address_blacklist_workspace_id ON address_blacklist (workspace_id, created_at);
