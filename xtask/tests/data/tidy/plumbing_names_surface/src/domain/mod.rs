//! Fixture: domain naming a surface.

use crate::possession::FlowState;
