//! Fixture: value types.

use crate::config::Region;
