//! Fixture: plumbing naming surfaces.
