//! Integration tests of idv-client (one binary; see DESIGN section 6).

mod decode;
mod errors;
mod example;
mod pacing;
mod real;
mod script;
mod scripted;
mod server;
mod verification;
