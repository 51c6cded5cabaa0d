-- idv-server schema: the signup surface (brands and their API keys) and the firewall's record of
-- client-side key use. Numbered after its issue (14) so branches written in parallel do not
-- collide on a version. API keys are stored only as SHA-256 digests; a 1-Click request's identity
-- is sealed with the server key and its phone number kept only as a digest.
CREATE TABLE signup_brands (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    integration TEXT NOT NULL,
    add_ons TEXT NOT NULL,
    redirect_url TEXT,
    environment TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE signup_api_keys (
    key_id TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL REFERENCES signup_brands(id),
    key_digest TEXT NOT NULL UNIQUE,
    environment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    flagged_at BIGINT,
    client_side_uses BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE signup_requests (
    uuid TEXT PRIMARY KEY,
    brand_id TEXT NOT NULL REFERENCES signup_brands(id),
    phone_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signup_requests_expires_at ON signup_requests (expires_at);
CREATE TABLE firewall_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key_id TEXT,
    brand_id TEXT,
    origin TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX firewall_events_created_at ON firewall_events (created_at);
