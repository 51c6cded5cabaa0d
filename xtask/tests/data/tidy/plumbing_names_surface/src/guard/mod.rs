//! Fixture: guard naming a surface, and the published outbox (allowed).

use crate::accounts::Session;
use crate::webhooks::outbox::enqueue;
