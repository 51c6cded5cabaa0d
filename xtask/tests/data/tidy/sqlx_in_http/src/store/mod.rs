//! Fixture: store/ may.

use sqlx::Row;
