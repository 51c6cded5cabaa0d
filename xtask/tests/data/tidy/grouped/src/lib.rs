//! Fixture: grouped imports.
