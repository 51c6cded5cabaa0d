//! The catalogue's rules (DESIGN section 3). Each rule reports where the problem is
//! and what to do; `tests/it/validate.rs` has a small bad catalogue for every rule.
//!
//! One file per part of the catalogue: `tables.rs` (surfaces, statuses, limits,
//! retired codes, troubleshooting), `errors.rs` (entries, their params and
//! examples), `outcomes.rs` and `operations.rs` (operations and the errors'
//! `endpoints`).

mod errors;
mod operations;
mod outcomes;
mod tables;

use crate::{Catalog, Diagnostic};

pub use errors::text;
pub use outcomes::outcome_refs;

/// Runs every rule; an empty result means the catalogue is valid.
pub fn validate(cat: &Catalog) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    tables::surfaces(cat, &mut d);
    tables::statuses(cat, &mut d);
    tables::limits(cat, &mut d);
    errors::errors(cat, &mut d);
    tables::retired(cat, &mut d);
    outcomes::outcomes(cat, &mut d);
    tables::troubleshooting(cat, &mut d);
    operations::operations(cat, &mut d);
    operations::endpoints(cat, &mut d);
    d
}

fn is_snake(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(x) if x.is_ascii_lowercase())
        && s.chars()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}
