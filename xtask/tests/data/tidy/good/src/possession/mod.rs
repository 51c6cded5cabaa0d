//! Fixture: a surface importing plumbing, its own modules and a published entry point.

mod flow;

use crate::{
    domain::Phone,
    http::{Failure, respond::ok},
    webhooks::outbox::{self, Event},
};
pub use self::flow::State;
use super::possession::flow::Step;
use crate::app::AppState;
use crate::clock::Clock;
use crate::config::Region;
use idv_core::PossessionError;
use serde_json::json;

pub fn start(st: &AppState) {
    let _ = crate::webhooks::outbox::enqueue(Event::Started);
    let _ = crate::guard::auth::client();
    let _ = "crate::verification::create is in a string, not code";
    // crate::signup::one_click in a comment is not code either
    /* nor in a /* nested */ block comment: crate::accounts::x */
    let c = '"';
    let r = r#"use crate::signup::X; "quoted" "#;
    let b = b"crate::signup";
}
