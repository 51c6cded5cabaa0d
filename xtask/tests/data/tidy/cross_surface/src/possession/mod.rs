//! Fixture: possession reaching into store/ directly.

mod flow;

use crate::store::Pool;
