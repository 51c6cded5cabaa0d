//! idv-server: the axum application behind `idv serve`.
//!
//! - [`app`]: state, routes and guards (request id, rate limit, authentication,
//!   panics, idempotency), in the order DESIGN section 4 gives.
//! - [`possession`]: the possession surface (seed 000): token, flows, Unify.
//! - [`store`]: the `Store` trait with its SQLite and PostgreSQL implementations.
//! - [`config`], [`provision`], [`serve`]: what `idv serve` and `idv admin` run.
//!
//! Boundary: depends on idv-core for every error body and limit; never on
//! idv-catalog or idv-client.

pub mod app;
pub mod clock;
pub mod config;
pub mod docs;
pub mod error;
pub mod input;
pub mod openapi;
pub mod phone;
pub mod possession;
pub mod provision;
pub mod ratelimit;
pub mod sandbox;
pub mod secrets;
pub mod serve;
pub mod store;

/// Sets up logging to stderr with a tracing filter such as `info`.
pub fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
