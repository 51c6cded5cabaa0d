//! Integration tests of idv-catalog: the validation rules (one bad catalogue per
//! rule, under `tests/data/bad/`), the lock, and snapshots of the rendered reference.

mod load;
mod lock;
mod operations;
mod render;
mod validate;

use std::path::{Path, PathBuf};

/// `tests/data/…`
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The repository root (the real catalogue lives in `catalog/` there).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies `from` into `to`, overwriting files that exist.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempRoot(pub PathBuf);

impl TempRoot {
    /// A new empty directory whose name contains `tag`.
    pub fn new(tag: &str) -> TempRoot {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "idv-catalog-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempRoot(p)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The base catalogue with the overlay of `case` applied.
pub fn catalogue_with(case: Option<&Path>) -> TempRoot {
    let root = TempRoot::new("case");
    copy_dir(&data("base"), &root.0);
    if let Some(c) = case {
        copy_dir(c, &root.0);
    }
    root
}
