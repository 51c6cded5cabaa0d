//! Fixture: a flat file is under the sqlx rule already.

/// The pool.
///
/// sqlx in a doc comment is fine.

pub fn pool() -> Option<sqlx::SqlitePool> {
    None
}
