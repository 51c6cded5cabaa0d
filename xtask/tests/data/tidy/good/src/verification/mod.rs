//! Fixture: a second surface using the job queue and the webhook outbox.

pub use crate::webhooks::outbox::Event;
use crate::jobs::Queue;
