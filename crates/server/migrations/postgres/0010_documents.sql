-- idv-server PostgreSQL schema, version 10: the documents of verifications, their images and their
-- decisions. The images themselves are in the object store, encrypted; a row holds only the
-- object key, content type, dimensions and SHA-256 of the plaintext, and is deleted with the
-- object when the verification is erased. A verification has at most one document per context
-- that is not canceled (status 6), enforced by a partial unique index. A decision's reason is
-- sealed with the server key. `seq` is the verification version the row was written with: it
-- orders documents and decisions written within the same millisecond. Times are Unix milliseconds. (Versions 7 to 9 are left to the
-- branches working on the verification surface at the same time.)
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    context_type TEXT NOT NULL,
    document_type TEXT NOT NULL,
    country TEXT,
    status BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_verification ON documents (verification_id, seq);
CREATE UNIQUE INDEX documents_one_per_context ON documents (verification_id, context_type) WHERE status <> 6;
CREATE TABLE document_images (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    side TEXT NOT NULL,
    object_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (document_id, side)
);
CREATE TABLE document_decisions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    status BIGINT NOT NULL,
    validation_workflow TEXT NOT NULL,
    reason TEXT,
    actor TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX document_decisions_document ON document_decisions (document_id, seq);
