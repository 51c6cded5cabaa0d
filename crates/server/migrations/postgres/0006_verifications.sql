-- idv-server PostgreSQL schema, version 6: verifications of the verification surface, their history
-- and comments. `expected_data` and comment bodies are sealed with the server key (bound to the
-- verification id), and so is the capture token of its end-user page (`capture_hash`, its
-- SHA-256, finds it); an erased verification keeps its status, times and history, and loses
-- `expected_data`, `vendor_reference`, `vendor_state` and its comments. Times are Unix
-- milliseconds. `version` is bumped by every change, which is one conditional UPDATE on it.
CREATE TABLE verifications (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    flow TEXT NOT NULL,
    status BIGINT NOT NULL,
    version BIGINT NOT NULL,
    held_from BIGINT,
    expected_data TEXT,
    vendor_reference TEXT,
    vendor_state TEXT,
    capture_token TEXT NOT NULL,
    capture_hash TEXT NOT NULL,
    submitted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    erased_at BIGINT
);
CREATE INDEX verifications_workspace_created ON verifications (workspace_id, created_at);
CREATE INDEX verifications_workspace_flow_created ON verifications (workspace_id, flow, created_at);
CREATE INDEX verifications_capture_hash ON verifications (capture_hash);
CREATE TABLE verification_history (
    verification_id TEXT NOT NULL REFERENCES verifications(id),
    version BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_status BIGINT,
    to_status BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (verification_id, version)
);
CREATE TABLE verification_comments (
    id TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications(id),
    body TEXT NOT NULL,
    private BIGINT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX verification_comments_verification ON verification_comments (verification_id, created_at);
