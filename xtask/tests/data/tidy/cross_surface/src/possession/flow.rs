//! Fixture: a planted cross-surface import, in each way a path can be written.

use crate::http::Failure;
use crate::verification::Decision;
use crate::webhooks::outbox::enqueue;

use super::super::verification::documents;

pub use crate::webhooks::dispatcher::Dispatcher;

pub fn run() {
    let _ = enqueue();
    let d = crate::verification::create("x");
}
