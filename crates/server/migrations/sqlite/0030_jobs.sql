-- idv-server SQLite schema: the durable job queue (crates/server/src/jobs/).
-- A job is 'queued' (waiting for run_at), 'running' (claimed until lease_until by lease_owner; a lapsed
-- lease is claimed again), 'done' or 'dead' (failed max_attempts times, last_error kept). A job with an
-- ordering_key runs only after every earlier (lower id) job with that key is done or dead. unique_key
-- names a job that exists once (a recurring job such as the retention sweep). Times are Unix milliseconds.
-- payload is opaque to the store: a kind whose payload may carry personal data seals it first.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    ordering_key TEXT,
    unique_key TEXT UNIQUE,
    state TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs (state, run_at);
CREATE INDEX jobs_ordering ON jobs (ordering_key, id);
CREATE INDEX jobs_finished ON jobs (state, finished_at);
