//! Fixture: a flat file without a folder is not yet under the import rules.

use crate::possession::OPERATIONS;
