//! idv-client: the Rust SDK of idv.
//!
//! The crate exists for the parts integrators get wrong by hand: fetching and
//! refreshing the access token, decoding each surface's error body, honouring
//! `Retry-After`, backing off without hammering a failing server, and never
//! replaying a flow step unsafely.
//!
//! - [`Client`] is built once ([`Client::builder`]) and shared; each surface's
//!   calls are on a handle it hands out: `client.possession().start(..)`
//!   ([`possession::Possession`], OAuth2 [`Credentials`]) and
//!   `client.verification().create(..)` ([`verification::VerificationApi`], a
//!   workspace [`ApiToken`]). Methods and paths come from idv-core's
//!   operations tables, the ones the server routes by.
//! - Every failure is one [`Error`]: a catalogued API error with its entry
//!   ([`ApiFailure`]), an unknown code kept whole, a transport failure, a timeout,
//!   or an undecodable body. Error bodies of all four wire dialects decode through
//!   idv-core's catalogue.
//! - Retries follow the catalogue's retry class of the decoded error
//!   ([`RetryPolicy`]); every POST carries an `Idempotency-Key`, the same on each
//!   attempt of one call, so a lost response is recovered without a replay error.
//! - [`Pacing`] optionally spreads calls below the advertised rate limit;
//!   [`Client::rate_limit`] shows the latest `X-RateLimit-*` values.
//!
//! ```no_run
//! use idv_client::{Client, Credentials, ErrorId};
//! use idv_client::possession::{FlowType, StartRequest};
//!
//! # async fn run() -> Result<(), idv_client::Error> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8080")
//!     .credentials(Credentials::new("sandbox-client", "sandbox-secret"))
//!     .build()?;
//! match client.possession().start(&StartRequest::new(FlowType::Mobile).phone_number("2001001695")).await {
//!     Ok(started) => println!("flow {}", started.correlation_id),
//!     Err(e) if e.id() == Some(ErrorId::SandboxUserNotFound) => {
//!         println!("{e}; {}", e.api().unwrap().resolution())
//!     }
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod deadline;
pub mod error;
mod ops;
mod pacing;
pub mod possession;
pub mod retry;
pub mod verification;

pub use client::{Client, ClientBuilder, Credentials, Region, Stats, Tier, preset_url};
pub use error::{
    ApiFailure, Error, ResponseInfo, Timeout, TransportError, Undecodable, UnknownFailure,
};
pub use idv_core::ratelimit::RateLimit;
pub use idv_core::{ErrorId, Retry, Surface, WireCode};
pub use pacing::Pacing;
pub use retry::{BudgetConfig, RetryBudget, RetryPolicy};
pub use verification::ApiToken;
