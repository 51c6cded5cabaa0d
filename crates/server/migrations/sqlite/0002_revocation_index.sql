-- idv-server SQLite schema, version 2: an index for the revocation mark (Store::revocation_mark),
-- which a running server reads once per second to notice revocations made elsewhere.
CREATE INDEX clients_revoked_at ON clients (revoked_at);
