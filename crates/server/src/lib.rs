//! idv-server: the axum application behind `idv serve`.
//!
//! - [`app`]: the composition root: state, the router built from every
//!   surface's `routes()`, the surfaces by path prefix.
//! - [`edge`]: the one hand-written tower `Service` in front of every route.
//! - [`guard`]: authentication, rate limiting, Idempotency-Key.
//! - [`http`]: surface-generic errors, body readers and responses.
//! - [`domain`]: value types parsed at the edge (phone numbers, ids, dates).
//! - [`possession`]: the possession surface: token, flows, Unify, sandbox.
//! - [`signup`]: the signup surface (1-Click Signup): brands, API keys, `/1-click`;
//!   [`firewall`]: the layer in front of it.
//! - [`verification`]: the verification surface (Colleckt-compatible): workspaces'
//!   API tokens, flows, verifications, the address blacklist.
//! - [`store`]: the `Store` trait with its SQLite and PostgreSQL implementations.
//! - [`openapi`]: the OpenAPI document.
//! - [`config`], [`provision`], [`serve`], [`clock`]: what `idv serve` and `idv admin` run;
//!   [`retention`]: the sweeper `idv serve` starts, which deletes expired rows;
//!   [`conn`]: the accept loop with connection timeouts, caps and the shutdown deadline.
//!
//! Boundary: depends on idv-core for every error body and limit; never on
//! idv-catalog or idv-client.

pub mod app;
pub mod clock;
pub mod config;
pub mod conn;
pub mod docs;
pub mod domain;
pub mod edge;
pub mod firewall;
pub mod guard;
pub mod http;
pub mod jobs;
pub mod openapi;
pub mod possession;
pub mod provision;
pub mod retention;
pub mod serve;
pub mod signup;
pub mod store;
pub mod verification;

/// Sets up logging to stderr with a tracing filter such as `info`: the resolved
/// `log` setting (`IDV__LOG`, else `RUST_LOG`, else the config file, else `info`).
/// An invalid filter is reported and `info` used. Log lines that cannot be
/// written (stderr closed) are dropped.
pub fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("idv: invalid log filter {filter:?} ({e}); logging at info instead");
        tracing_subscriber::EnvFilter::new("info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A closed log pipe (`idv serve 2>&1 | head`) must not panic the
        // server: by default the subscriber reports a failed write with
        // `eprintln!`, which panics when stderr itself is gone.
        .log_internal_errors(false)
        .try_init();
}
