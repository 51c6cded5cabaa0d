//! Fixture: the composition root names every surface.

use crate::{possession, signup, verification, webhooks};

pub fn router() {
    possession::routes();
    crate::verification::routes();
}
