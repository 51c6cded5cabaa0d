//! Tests of the possession surface as a whole: its operations table routed,
//! and HTTP Basic client authentication at POST /token.

mod basic_auth;
mod routes;
