//! Fixture: a one-line group.

use crate::{possession, http};
