//! The loader: reads the catalogue's files, from disk or given as text, through
//! one code path, into a [`Catalog`] with the position of every node.

use crate::model::*;
use crate::yaml::Positions;
use crate::{Catalog, Diagnostic, ParseCache, Pos, SourceFile, yaml};
use std::collections::BTreeMap;
use std::path::Path;

impl Catalog {
    /// Loads `root/catalog`. Parse errors stop loading; they are returned all at once.
    pub fn load(root: &Path) -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::load_from(&Disk(root))
    }

    /// Loads a catalogue given as text instead of read from disk: `files` maps each
    /// path relative to the repository root (`catalog/surfaces.yaml`,
    /// `catalog/errors/<surface>.yaml`, `catalog/operations/<surface>.yaml`,
    /// `catalog/codes.lock`, …) to its contents. A file that is not in the map is
    /// reported as [`load`](Catalog::load) reports a missing file. The fuzz targets
    /// (`fuzz/`) feed arbitrary text through here, so the loader has one code path
    /// whatever the files come from.
    pub fn from_texts(files: &BTreeMap<String, String>) -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::load_from(&Memory(files, None))
    }

    /// [`from_texts`](Catalog::from_texts) through a [`ParseCache`]: a file whose
    /// text is the same as at an earlier load through `cache` is not parsed again.
    /// The result is the same as without the cache; the `catalog` fuzz target loads
    /// a fixed base with one file changed this way.
    pub fn from_texts_cached(
        files: &BTreeMap<String, String>,
        cache: &ParseCache,
    ) -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::load_from(&Memory(files, Some(cache)))
    }

    fn load_from(src: &dyn Files) -> Result<Catalog, Vec<Diagnostic>> {
        let mut cat = Catalog::default();
        let mut diags = Vec::new();

        let surfaces: Option<SurfacesFile> = cat.read(src, "catalog/surfaces.yaml", &mut diags);
        cat.file_index.surfaces = cat.files.len().saturating_sub(1);
        let statuses: Option<StatusesFile> = cat.read(src, "catalog/statuses.yaml", &mut diags);
        cat.file_index.statuses = cat.files.len().saturating_sub(1);
        let outcomes: Option<Outcomes> = cat.read(src, "catalog/outcomes.yaml", &mut diags);
        cat.file_index.outcomes = cat.files.len().saturating_sub(1);
        let trouble: Option<Troubleshooting> =
            cat.read(src, "catalog/troubleshooting.yaml", &mut diags);
        cat.file_index.troubleshooting = cat.files.len().saturating_sub(1);
        let limits: Option<LimitsFile> = cat.read(src, "catalog/limits.yaml", &mut diags);
        cat.file_index.limits = cat.files.len().saturating_sub(1);

        let error_files: Vec<String> = match src.yaml_files("catalog/errors") {
            Ok(paths) => paths,
            Err(e) => {
                diags.push(Diagnostic {
                    file: "catalog/errors".into(),
                    pos: Pos { line: 1, col: 1 },
                    message: format!("cannot read the errors directory ({e}); create catalog/errors/<surface>.yaml"),
                });
                Vec::new()
            }
        };
        let mut files = Vec::new();
        for p in &error_files {
            if let Some(ef) = cat.read::<ErrorFile>(src, p, &mut diags) {
                files.push((cat.files.len() - 1, ef));
            }
        }
        // Operations are optional per surface: a surface without a file has none yet.
        let op_paths: Vec<String> = src.yaml_files("catalog/operations").unwrap_or_default();
        let mut op_files = Vec::new();
        for p in &op_paths {
            if let Some(of) = cat.read::<OperationsFile>(src, p, &mut diags) {
                op_files.push((cat.files.len() - 1, of));
            }
        }
        cat.lock_text = src.read("catalog/codes.lock").unwrap_or_default();
        if !diags.is_empty() {
            return Err(diags);
        }
        cat.surfaces = surfaces.map(|s| s.surfaces).unwrap_or_default();
        cat.statuses = statuses.map(|s| s.statuses).unwrap_or_default();
        cat.outcomes = outcomes.unwrap_or_default();
        cat.troubleshooting = trouble.unwrap_or_default();
        cat.limits = limits.unwrap_or_default();

        // Entries are ordered by the surface order of surfaces.yaml, so outputs do not
        // depend on file names.
        let rank = |name: &str| {
            cat.surfaces
                .iter()
                .position(|s| s.name == name)
                .unwrap_or(usize::MAX)
        };
        files.sort_by_key(|(_, f)| rank(&f.surface));
        op_files.sort_by_key(|(_, f)| rank(&f.surface));
        for (file, ef) in files {
            for (i, mut e) in ef.errors.into_iter().enumerate() {
                e.surface = ef.surface.clone();
                e.origin = Origin {
                    file,
                    path: format!("errors.{i}"),
                };
                cat.errors.push(e);
            }
            for (i, r) in ef.retired.into_iter().enumerate() {
                cat.retired.push((
                    ef.surface.clone(),
                    r,
                    Origin {
                        file,
                        path: format!("retired.{i}"),
                    },
                ));
            }
            if cat.surface(&ef.surface).is_none() {
                diags.push(cat.diag(
                    file,
                    "surface",
                    format!(
                        "unknown surface `{}`; use one of the names in catalog/surfaces.yaml",
                        ef.surface
                    ),
                ));
            }
        }
        for (file, of) in op_files {
            if cat.surface(&of.surface).is_none() {
                diags.push(cat.diag(
                    file,
                    "surface",
                    format!(
                        "unknown surface `{}`; use one of the names in catalog/surfaces.yaml",
                        of.surface
                    ),
                ));
            } else if cat.operation_surfaces.contains(&of.surface) {
                diags.push(cat.diag(
                    file,
                    "surface",
                    format!(
                        "the operations of `{}` are already in another file; keep one catalog/operations/{}.yaml",
                        of.surface, of.surface
                    ),
                ));
            }
            cat.operation_surfaces.push(of.surface.clone());
            for (i, mut o) in of.operations.into_iter().enumerate() {
                o.surface = of.surface.clone();
                o.origin = Origin {
                    file,
                    path: format!("operations.{i}"),
                };
                cat.operations.push(o);
            }
        }
        if diags.is_empty() {
            Ok(cat)
        } else {
            Err(diags)
        }
    }

    fn read<T: serde::de::DeserializeOwned + Clone + 'static>(
        &mut self,
        src: &dyn Files,
        rel: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        let text = match src.read(rel) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic {
                    file: rel.to_string(),
                    pos: Pos { line: 1, col: 1 },
                    message: format!("cannot read the file ({e}); restore it from git or create it (see catalog/README.md)"),
                });
                return None;
            }
        };
        if let Some((positions, v)) = src.cache().and_then(|c| c.get::<T>(rel, &text)) {
            self.files.push(SourceFile {
                path: rel.to_string(),
                positions,
            });
            return Some(v);
        }
        let positions = Positions::of(&text);
        let parsed = yaml::from_str::<T>(&text);
        if let (Some(cache), Ok(v)) = (src.cache(), &parsed) {
            cache.put(rel, &text, &positions, v.clone());
        }
        self.files.push(SourceFile {
            path: rel.to_string(),
            positions,
        });
        match parsed {
            Ok(v) => Some(v),
            Err((pos, msg)) => {
                diags.push(Diagnostic {
                    file: rel.to_string(),
                    pos,
                    message: format!(
                        "{msg}; fix the YAML to match the schema in catalog/README.md"
                    ),
                });
                None
            }
        }
    }
}

/// Where the loader reads the catalogue's files from, by path relative to the
/// repository root (`/`-separated).
trait Files {
    /// The text of a file.
    fn read(&self, rel: &str) -> std::io::Result<String>;
    /// The `*.yaml` files directly in directory `rel`, as relative paths, sorted.
    fn yaml_files(&self, rel: &str) -> std::io::Result<Vec<String>>;
    /// Where parsed files are kept between loads, if anywhere.
    fn cache(&self) -> Option<&ParseCache> {
        None
    }
}

/// The files under a repository root.
struct Disk<'a>(&'a Path);

impl Files for Disk<'_> {
    fn read(&self, rel: &str) -> std::io::Result<String> {
        std::fs::read_to_string(self.0.join(rel))
    }
    fn yaml_files(&self, rel: &str) -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join(rel))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        names.sort();
        Ok(names.into_iter().map(|n| format!("{rel}/{n}")).collect())
    }
}

/// Files given as text ([`Catalog::from_texts`]), with the cache of
/// [`Catalog::from_texts_cached`].
struct Memory<'a>(&'a BTreeMap<String, String>, Option<&'a ParseCache>);

impl Files for Memory<'_> {
    fn read(&self, rel: &str) -> std::io::Result<String> {
        self.0
            .get(rel)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn yaml_files(&self, rel: &str) -> std::io::Result<Vec<String>> {
        let prefix = format!("{rel}/");
        let names: Vec<String> = self
            .0
            .keys()
            .filter(|k| {
                k.strip_prefix(&prefix)
                    .is_some_and(|n| !n.contains('/') && n.ends_with(".yaml"))
            })
            .cloned()
            .collect();
        if names.is_empty() && !self.0.keys().any(|k| k.starts_with(&prefix)) {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        Ok(names)
    }
    fn cache(&self) -> Option<&ParseCache> {
        self.1
    }
}
