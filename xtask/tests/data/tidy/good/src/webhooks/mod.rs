//! Fixture: webhooks publishes its outbox.

pub mod outbox;
mod dispatcher;
