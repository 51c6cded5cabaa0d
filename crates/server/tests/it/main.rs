//! idv-server integration tests: one binary, one module per feature. Each test
//! starts the real server on 127.0.0.1:0 over a temporary SQLite file.

mod auth_failures;
mod badinput;
mod catalogue;
mod conn;
mod docs;
mod flow_changes;
mod flows;
mod guards;
mod handler_timeout;
#[allow(dead_code)] // Helpers shared by modules; not every module uses each one.
mod harness;
mod idempotency;
mod images;
mod instances;
mod jobs;
mod migrations;
mod openapi;
mod phone;
mod possession;
mod retention;
mod signup;
mod story;
mod token;
mod unify;
mod verification;
