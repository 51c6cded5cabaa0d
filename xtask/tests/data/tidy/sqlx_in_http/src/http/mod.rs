//! Fixture: http naming sqlx in code.

// sqlx in a comment is fine.

use sqlx::Row;

pub fn f() {
    let _ = "sqlx in a string is fine";
    let _ = sqlx::query("select 1");
}
