//! [`ParseCache`]: parsed files kept between loads of catalogues that share most of
//! their files, so each load parses only the files that changed.
//!
//! The `catalog` fuzz target loads one catalogue per execution, each the same small
//! base with one file changed; parsing the unchanged files again (twice each: serde
//! for the contents, the event parser for positions) was most of the loader's cost.

use crate::yaml::Positions;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

/// The last successfully parsed text of each path, with its positions and contents.
/// A load through [`Catalog::from_texts_cached`](crate::Catalog::from_texts_cached)
/// gives the same catalogue and the same diagnostics as one without the cache: a
/// file is reused only when its text is the same as when it was parsed, as the same
/// type; anything else is parsed again (and replaces the entry of its path, so the
/// cache holds at most one entry per path).
#[derive(Default)]
pub struct ParseCache {
    files: RefCell<HashMap<String, Parsed>>,
}

struct Parsed {
    text: String,
    positions: Positions,
    contents: Box<dyn Any>,
}

impl ParseCache {
    /// An empty cache.
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// The positions and contents of `path` when its text is still `text`.
    pub(crate) fn get<T: Clone + 'static>(&self, path: &str, text: &str) -> Option<(Positions, T)> {
        let files = self.files.borrow();
        let hit = files.get(path).filter(|p| p.text == text)?;
        let contents = hit.contents.downcast_ref::<T>()?;
        Some((hit.positions.clone(), contents.clone()))
    }

    /// Remembers what `path` parsed to.
    pub(crate) fn put<T: 'static>(
        &self,
        path: &str,
        text: &str,
        positions: &Positions,
        contents: T,
    ) {
        self.files.borrow_mut().insert(
            path.to_string(),
            Parsed {
                text: text.to_string(),
                positions: positions.clone(),
                contents: Box::new(contents),
            },
        );
    }
}
