//! Fixture: sqlx named outside store/.
