//! Fixture: planted cross-surface imports.
