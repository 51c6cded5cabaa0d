//! Fixture: a server tree that follows the module rules of DESIGN section 4.

pub mod app;
pub mod domain;
pub mod firewall;
pub mod http;
pub mod openapi;
pub mod possession;
pub mod signup;
pub mod store;
pub mod verification;
pub mod webhooks;
