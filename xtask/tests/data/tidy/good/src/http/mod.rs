//! Fixture: http/ mentions sqlx only in comments and strings.

// sqlx is the store's business.
pub const NOTE: &str = "sqlx lives in store/";
/* sqlx */
