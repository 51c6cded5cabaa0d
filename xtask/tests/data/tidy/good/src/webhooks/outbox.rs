//! Fixture: the published entry point.

use super::dispatcher;
