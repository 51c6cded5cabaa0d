//! idv-catalog: the error catalogue as data.
//!
//! It loads `catalog/*.yaml` (errors, statuses, limits, outcomes, troubleshooting
//! and the operations of each surface) into a typed [`Catalog`], validates it (every failure
//! is a [`Diagnostic`] that names `file:line:col`, what is wrong and what to do),
//! and renders every generated output: the Rust code of `idv-core` (error types,
//! limits, outcomes, operations tables), the Markdown reference with the endpoint
//! reference, `catalog.json` and `codes.lock`. It is used by `xtask` only; the
//! runtime crates read the generated code, never the YAML.

mod cache;
pub mod lock;
pub mod model;
pub mod render;
pub mod validate;
mod yaml;

/// Message templates, shared with `idv-core` by source so both read them alike.
#[path = "../../core/src/template.rs"]
pub mod template;

pub use cache::ParseCache;
use model::*;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
pub use yaml::Pos;
use yaml::Positions;

/// A problem in the catalogue, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File path relative to the repository root, e.g. `catalog/errors/possession.yaml`.
    pub file: String,
    /// Position in the file.
    pub pos: Pos,
    /// `what is wrong; what to do`.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.col, self.message
        )
    }
}

/// A source file of the catalogue.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the repository root.
    pub path: String,
    positions: Positions,
}

/// The whole catalogue, loaded.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Every file read, in reading order.
    pub files: Vec<SourceFile>,
    /// Surfaces, in documentation order.
    pub surfaces: Vec<Surface>,
    /// HTTP statuses, in file order.
    pub statuses: Vec<Status>,
    /// Errors, grouped by surface in surface order, then file order.
    pub errors: Vec<ErrorEntry>,
    /// Retired codes with their surface.
    pub retired: Vec<(String, Retired, Origin)>,
    /// Outcomes.
    pub outcomes: Outcomes,
    /// Troubleshooting.
    pub troubleshooting: Troubleshooting,
    /// Limits, headers and conventions.
    pub limits: LimitsFile,
    /// Operations, grouped by surface in surface order, then file order.
    pub operations: Vec<Operation>,
    /// The surfaces that have an `operations/<surface>.yaml` (their errors' `endpoints`
    /// must name their operations).
    pub operation_surfaces: Vec<String>,
    /// `catalog/codes.lock` as committed (empty if absent).
    pub lock_text: String,
    file_index: FileIndex,
}

#[derive(Debug, Clone, Default)]
struct FileIndex {
    surfaces: usize,
    statuses: usize,
    outcomes: usize,
    troubleshooting: usize,
    limits: usize,
}

impl Catalog {
    /// A diagnostic at `path` (dotted, e.g. `errors.3.message`) of file `file`.
    pub fn diag(&self, file: usize, path: &str, message: impl Into<String>) -> Diagnostic {
        let f = &self.files[file];
        Diagnostic {
            file: f.path.clone(),
            pos: f.positions.get(path),
            message: message.into(),
        }
    }

    /// A diagnostic at `field` of the item read from `origin`.
    pub fn diag_at(&self, origin: &Origin, field: &str, message: impl Into<String>) -> Diagnostic {
        let path = if field.is_empty() {
            origin.path.clone()
        } else {
            format!("{}.{field}", origin.path)
        };
        self.diag(origin.file, &path, message)
    }

    /// A diagnostic in `surfaces.yaml`.
    pub fn diag_surfaces(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.surfaces, path, message)
    }
    /// A diagnostic in `statuses.yaml`.
    pub fn diag_statuses(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.statuses, path, message)
    }
    /// A diagnostic in `outcomes.yaml`.
    pub fn diag_outcomes(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.outcomes, path, message)
    }
    /// A diagnostic in `troubleshooting.yaml`.
    pub fn diag_troubleshooting(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.troubleshooting, path, message)
    }
    /// A diagnostic in `limits.yaml`.
    pub fn diag_limits(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.diag(self.file_index.limits, path, message)
    }

    /// The surface named `name`.
    pub fn surface(&self, name: &str) -> Option<&Surface> {
        self.surfaces.iter().find(|s| s.name == name)
    }

    /// The status `code`.
    pub fn status(&self, code: u16) -> Option<&Status> {
        self.statuses.iter().find(|s| s.status == code)
    }

    /// The error with `id`.
    pub fn error(&self, id: &str) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.id == id)
    }

    /// The errors of a surface, in catalogue order.
    pub fn errors_of<'a>(&'a self, surface: &'a str) -> impl Iterator<Item = &'a ErrorEntry> + 'a {
        self.errors.iter().filter(move |e| e.surface == surface)
    }

    /// The operations of a surface, in catalogue order.
    pub fn operations_of<'a>(
        &'a self,
        surface: &'a str,
    ) -> impl Iterator<Item = &'a Operation> + 'a {
        self.operations.iter().filter(move |o| o.surface == surface)
    }

    /// The errors whose `endpoints` name `op`, in catalogue order.
    pub fn errors_of_operation<'a>(
        &'a self,
        op: &'a Operation,
    ) -> impl Iterator<Item = &'a ErrorEntry> + 'a {
        let endpoint = op.endpoint();
        self.errors
            .iter()
            .filter(move |e| e.surface == op.surface && e.endpoints.contains(&endpoint))
    }

    /// The header with `id`.
    pub fn header(&self, id: &str) -> Option<&Header> {
        self.limits.headers.iter().find(|h| h.id == id)
    }

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

/// One generated file: its path relative to the repository root and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the repository root.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// Loads, validates and renders every output, plus the lock reports (overrides and
/// retirements the check must show). `Err` carries every diagnostic.
pub fn generate(root: &Path) -> Result<(Vec<Output>, Vec<String>), Vec<Diagnostic>> {
    let cat = Catalog::load(root)?;
    let diags = validate::validate(&cat);
    if !diags.is_empty() {
        return Err(diags);
    }
    let (lock, reports) = lock::check(&cat).map_err(|d| vec![d])?;
    let mut outs = render::all(&cat);
    outs.push(Output {
        path: "catalog/codes.lock".into(),
        contents: lock,
    });
    outs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((outs, reports))
}

/// Directories whose every file is generated; a file there that the catalogue no
/// longer produces is stale too.
pub const GENERATED_DIRS: &[&str] = &["crates/core/src/generated", "docs/reference"];

/// What [`sync`] found.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Files that differ from what the catalogue generates (written unless checking).
    pub stale: Vec<String>,
    /// Generated-directory files the catalogue no longer produces (removed unless checking).
    pub extra: Vec<String>,
    /// Lock exceptions to show (overrides, retirements).
    pub lock_reports: Vec<String>,
    /// How many outputs were produced.
    pub outputs: usize,
}

/// Regenerates every output under `root`. With `check`, writes nothing and only
/// reports what is stale. I/O errors are returned as diagnostics on the file.
pub fn sync(root: &Path, check: bool) -> Result<SyncReport, Vec<Diagnostic>> {
    let (outs, lock_reports) = generate(root)?;
    let mut report = SyncReport {
        lock_reports,
        outputs: outs.len(),
        ..SyncReport::default()
    };
    let io = |path: &str, e: std::io::Error| {
        vec![Diagnostic {
            file: path.to_string(),
            pos: Pos { line: 1, col: 1 },
            message: format!("cannot write the file ({e}); check permissions"),
        }]
    };
    for o in &outs {
        let p = root.join(&o.path);
        let current = std::fs::read_to_string(&p).ok();
        if current.as_deref() != Some(o.contents.as_str()) {
            report.stale.push(o.path.clone());
            if !check {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io(&o.path, e))?;
                }
                std::fs::write(&p, &o.contents).map_err(|e| io(&o.path, e))?;
            }
        }
    }
    for dir in GENERATED_DIRS {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        for n in names {
            if !outs.iter().any(|o| o.path == n) {
                report.extra.push(n.clone());
                if !check {
                    std::fs::remove_file(root.join(&n)).map_err(|e| io(&n, e))?;
                }
            }
        }
    }
    Ok(report)
}
