//! Fixture: a surface's submodule reaching its parent through `super`.

use super::State;
use crate::possession::start;

pub fn next<'a>(s: &'a str) -> &'a str {
    super::start(s);
    s
}
