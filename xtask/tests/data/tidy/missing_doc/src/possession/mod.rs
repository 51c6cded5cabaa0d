//! Fixture: documented.

mod flow;
