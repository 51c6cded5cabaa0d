//! Fixture: signup sits behind the firewall, the designed exception.

use crate::firewall::{self, Verdict};
