//! Fixture: a multi-line grouped import naming another surface.

use crate::{
    http::Failure,
    domain::Phone,
    signup::{self, OneClick},
    webhooks::outbox,
};
