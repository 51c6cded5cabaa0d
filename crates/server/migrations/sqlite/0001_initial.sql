-- idv-server SQLite schema, version 1. Migrations are append-only: never edit a released file, add a new one.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    tier TEXT NOT NULL,
    solution TEXT NOT NULL,
    countries TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients(client_id),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE flows (
    correlation_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    auth_token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE identities (
    identity_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    correlation_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    phone_number TEXT NOT NULL,
    prove_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE idempotency_keys (
    project_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, idem_key)
);
