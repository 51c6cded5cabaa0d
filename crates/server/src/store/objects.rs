//! Object storage for document images, through the `object_store` crate: a
//! directory under the data directory by default, any S3-compatible store by
//! configuration (the `[objects]` settings, `IDV__OBJECTS__…`).
//!
//! Every object is encrypted before it leaves the process, with AES-256-GCM
//! (`aes-gcm` crate) under a key derived from the server key
//! ([`SealKey::derive`], purpose [`PURPOSE`]): a random 96-bit nonce per object
//! and the object key as associated data, so an object copied under another key
//! does not open, and a file on disk or in a bucket is never the image. Stored
//! bytes are `idv1`, the nonce, the ciphertext and the 16-byte tag; the plaintext
//! is encrypted in place and handed over in parts, so storing a 10 MB image holds
//! one copy of it. The database keeps only the object key, content type,
//! dimensions and the plaintext's SHA-256.
//!
//! Object keys are `/`-separated segments of ASCII letters, digits, `.`, `_`
//! and `-` (no empty, `.` or `..` segment), at most 512 bytes.

use crate::domain::SealKey;
use aes_gcm::aead::{AeadInPlace, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce, Tag};
use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The HKDF `info` of the object encryption key.
pub const PURPOSE: &str = "idv object encryption v1";

const MAGIC: &[u8; 4] = b"idv1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const MAX_KEY_LEN: usize = 512;

/// Where objects are kept (the resolved `[objects]` settings).
#[derive(Clone, PartialEq, Eq)]
pub enum ObjectSettings {
    /// A directory (created with mode 0700 on first use).
    Local {
        /// The directory; default `objects/` in the data directory.
        path: PathBuf,
    },
    /// An S3-compatible bucket.
    S3(S3Settings),
}

/// An S3-compatible store. Credentials not given here are read from the usual
/// `AWS_…` environment variables.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The service's URL (`https://s3.eu-west-1.amazonaws.com`,
    /// `http://127.0.0.1:9000`); AWS's endpoint for `region` when absent.
    pub endpoint: Option<String>,
    /// The bucket (it must exist).
    pub bucket: String,
    /// The region (default `us-east-1`).
    pub region: String,
    /// The access key id.
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<String>,
    /// Whether plain `http://` is allowed: always for a loopback endpoint,
    /// otherwise only with `allow_http = true`.
    pub allow_http: bool,
}

impl std::fmt::Debug for ObjectSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectSettings::Local { path } => f.debug_struct("Local").field("path", path).finish(),
            ObjectSettings::S3(s) => f
                .debug_struct("S3")
                .field("endpoint", &s.endpoint)
                .field("bucket", &s.bucket)
                .field("region", &s.region)
                .field("access_key_id", &s.access_key_id)
                .field(
                    "secret_access_key",
                    &s.secret_access_key.as_ref().map(|_| "<redacted>"),
                )
                .field("allow_http", &s.allow_http)
                .finish(),
        }
    }
}

/// One layer of the `[objects]` settings (TOML table `[objects]`, or
/// `IDV__OBJECTS__<NAME>` variables); every value optional.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectsLayer {
    /// `local` (default) or `s3`.
    pub backend: Option<String>,
    /// The local directory.
    pub path: Option<String>,
    /// The S3 endpoint URL.
    pub endpoint: Option<String>,
    /// The S3 bucket.
    pub bucket: Option<String>,
    /// The S3 region.
    pub region: Option<String>,
    /// The S3 access key id.
    pub access_key_id: Option<String>,
    /// The S3 secret access key.
    pub secret_access_key: Option<String>,
    /// `true` to allow `http://` to a non-loopback endpoint.
    pub allow_http: Option<bool>,
}

impl std::fmt::Debug for ObjectsLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectsLayer")
            .field("backend", &self.backend)
            .field("path", &self.path)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// The names `IDV__OBJECTS__<NAME>` accepts.
pub const ENV_NAMES: &str =
    "BACKEND, PATH, ENDPOINT, BUCKET, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY, ALLOW_HTTP";

impl ObjectsLayer {
    /// Sets the value of `IDV__OBJECTS__<name>`.
    pub fn set_env(&mut self, name: &str, value: String) -> Result<(), String> {
        let slot = match name.to_ascii_lowercase().as_str() {
            "backend" => &mut self.backend,
            "path" => &mut self.path,
            "endpoint" => &mut self.endpoint,
            "bucket" => &mut self.bucket,
            "region" => &mut self.region,
            "access_key_id" => &mut self.access_key_id,
            "secret_access_key" => &mut self.secret_access_key,
            "allow_http" => {
                self.allow_http = Some(match value.trim() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(format!(
                            "invalid IDV__OBJECTS__ALLOW_HTTP {value:?}: use true or false"
                        ));
                    }
                });
                return Ok(());
            }
            _ => {
                return Err(format!(
                    "unknown environment variable IDV__OBJECTS__{}: use IDV__OBJECTS__ and one of {ENV_NAMES}",
                    name.to_ascii_uppercase()
                ));
            }
        };
        *slot = Some(value);
        Ok(())
    }

    /// `other`'s values over these.
    pub fn merge(&mut self, other: &ObjectsLayer) {
        fn pick<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        pick(&mut self.backend, &other.backend);
        pick(&mut self.path, &other.path);
        pick(&mut self.endpoint, &other.endpoint);
        pick(&mut self.bucket, &other.bucket);
        pick(&mut self.region, &other.region);
        pick(&mut self.access_key_id, &other.access_key_id);
        pick(&mut self.secret_access_key, &other.secret_access_key);
        pick(&mut self.allow_http, &other.allow_http);
    }

    /// The settings, with `data_dir` for the default local directory.
    pub fn resolve(&self, data_dir: &Path) -> Result<ObjectSettings, String> {
        match self.backend.as_deref().map(str::trim).unwrap_or("local") {
            "local" => Ok(ObjectSettings::Local {
                path: self
                    .path
                    .as_ref()
                    .map_or_else(|| data_dir.join("objects"), PathBuf::from),
            }),
            "s3" => {
                let bucket = self
                    .bucket
                    .clone()
                    .filter(|b| !b.trim().is_empty())
                    .ok_or("the s3 objects backend needs a bucket: set objects.bucket (IDV__OBJECTS__BUCKET)")?;
                let endpoint = self
                    .endpoint
                    .as_deref()
                    .map(|e| e.trim().trim_end_matches('/'));
                let loopback = endpoint.is_some_and(is_loopback_http);
                if let Some(e) = endpoint {
                    let plain = e.starts_with("http://");
                    if !(plain || e.starts_with("https://")) {
                        return Err(format!(
                            "invalid objects.endpoint {e:?}: use the store's URL, e.g. https://s3.eu-west-1.amazonaws.com"
                        ));
                    }
                    if plain && !loopback && self.allow_http != Some(true) {
                        return Err(format!(
                            "objects.endpoint {e:?} is plain http on a non-loopback address: use https, \
                             or set objects.allow_http = true (IDV__OBJECTS__ALLOW_HTTP) if the network is private"
                        ));
                    }
                }
                Ok(ObjectSettings::S3(S3Settings {
                    endpoint: endpoint.map(str::to_string),
                    bucket,
                    region: self.region.clone().unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: self.access_key_id.clone(),
                    secret_access_key: self.secret_access_key.clone(),
                    allow_http: loopback || self.allow_http == Some(true),
                }))
            }
            other => Err(format!(
                "invalid objects.backend {other:?}: use local or s3"
            )),
        }
    }
}

/// Whether `url` is `http://` to 127.0.0.0/8, `localhost` or `[::1]`.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why an object could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The key is not a valid object key (a bug in the caller).
    #[error("invalid object key {0:?}")]
    BadKey(String),
    /// Beyond what AES-GCM encrypts under one nonce (64 GB; never an image).
    #[error("object {0} is too large to encrypt")]
    TooLarge(String),
    /// The store failed.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// The stored bytes do not open with this server key and object key: they
    /// were altered, moved to another key, or written with another server key.
    #[error("object {0} does not open: altered, moved, or written with another server key")]
    Tampered(String),
}

/// The object store of the server: where, and the key objects are sealed with.
#[derive(Clone)]
pub struct Objects {
    inner: Arc<dyn ObjectStore>,
    cipher: Aes256Gcm,
    backend: &'static str,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Objects({})", self.backend)
    }
}

impl Objects {
    /// Opens the store `settings` name, sealing with a key derived from `key`.
    /// A local directory is created (mode 0700) when missing.
    pub fn open(settings: &ObjectSettings, key: &SealKey) -> Result<Objects, String> {
        let (inner, backend): (Arc<dyn ObjectStore>, _) = match settings {
            ObjectSettings::Local { path } => {
                create_private_dir(path).map_err(|e| {
                    format!(
                        "cannot create the objects directory {}: {e}; set objects.path (IDV__OBJECTS__PATH) to a writable place",
                        path.display()
                    )
                })?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| {
                        format!("cannot open the objects directory {}: {e}", path.display())
                    })?
                    .with_automatic_cleanup(true);
                (Arc::new(fs), "local")
            }
            ObjectSettings::S3(s) => {
                let mut b = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&s.bucket)
                    .with_region(&s.region)
                    .with_allow_http(s.allow_http);
                if let Some(e) = &s.endpoint {
                    b = b.with_endpoint(e);
                }
                if let Some(k) = &s.access_key_id {
                    b = b.with_access_key_id(k);
                }
                if let Some(k) = &s.secret_access_key {
                    b = b.with_secret_access_key(k);
                }
                let s3 = b
                    .build()
                    .map_err(|e| format!("invalid s3 objects settings: {e}"))?;
                (Arc::new(s3), "s3")
            }
        };
        Ok(Objects::with_store(inner, backend, key))
    }

    /// Objects kept in memory (tests, and `AppState::new`).
    pub fn in_memory(key: &SealKey) -> Objects {
        Objects::with_store(
            Arc::new(object_store::memory::InMemory::new()),
            "memory",
            key,
        )
    }

    fn with_store(inner: Arc<dyn ObjectStore>, backend: &'static str, key: &SealKey) -> Objects {
        Objects {
            inner,
            cipher: Aes256Gcm::new(&key.derive(PURPOSE).into()),
            backend,
        }
    }

    /// The same store, sealing with a key derived from `key`.
    pub fn rekeyed(&self, key: &SealKey) -> Objects {
        Objects::with_store(self.inner.clone(), self.backend, key)
    }

    /// `local`, `s3` or `memory`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Encrypts `plaintext` and stores it under `key` (replacing what was there).
    pub async fn put(&self, key: &str, mut plaintext: Vec<u8>) -> Result<(), ObjectError> {
        let path = object_path(key)?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let tag = self
            .cipher
            .encrypt_in_place_detached(&nonce, key.as_bytes(), &mut plaintext)
            .map_err(|_| ObjectError::TooLarge(key.into()))?;
        let mut head = Vec::with_capacity(MAGIC.len() + NONCE_LEN);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&nonce);
        let payload = PutPayload::from_iter([
            Bytes::from(head),
            Bytes::from(plaintext),
            Bytes::copy_from_slice(&tag),
        ]);
        self.inner.put(&path, payload).await?;
        Ok(())
    }

    /// The plaintext stored under `key`; `None` when there is no such object.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        let path = object_path(key)?;
        let stored = match self.inner.get(&path).await {
            Ok(r) => r.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let tampered = || ObjectError::Tampered(key.into());
        let mut buf = Vec::from(stored);
        if buf.len() < MAGIC.len() + NONCE_LEN + TAG_LEN || !buf.starts_with(MAGIC) {
            return Err(tampered());
        }
        let head = MAGIC.len() + NONCE_LEN;
        let nonce = *Nonce::from_slice(&buf[MAGIC.len()..head]);
        let tag = *Tag::from_slice(&buf[buf.len() - TAG_LEN..]);
        let end = buf.len() - TAG_LEN;
        self.cipher
            .decrypt_in_place_detached(&nonce, key.as_bytes(), &mut buf[head..end], &tag)
            .map_err(|_| tampered())?;
        buf.truncate(end);
        buf.drain(..head);
        Ok(Some(buf))
    }

    /// Deletes the object under `key`; deleting a missing object succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), ObjectError> {
        let path = object_path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// `key` as an object path, if it is a valid object key.
fn object_path(key: &str) -> Result<ObjectPath, ObjectError> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if !ok {
        return Err(ObjectError::BadKey(key.into()));
    }
    ObjectPath::parse(key).map_err(|_| ObjectError::BadKey(key.into()))
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigLayer};

    fn env(vars: &[(&str, &str)]) -> Result<Config, String> {
        let layer =
            ConfigLayer::from_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))?;
        Config::resolve(&[layer])
    }

    #[test]
    fn images_go_to_the_data_directory_unless_configured() {
        let c = env(&[]).unwrap();
        assert_eq!(
            c.objects,
            ObjectSettings::Local {
                path: PathBuf::from("./idv-data/objects")
            }
        );
        let c = env(&[("IDV__DATABASE", "sqlite:///var/lib/idv/idv.db")]).unwrap();
        assert_eq!(
            c.objects,
            ObjectSettings::Local {
                path: PathBuf::from("/var/lib/idv/objects")
            }
        );
        let c = env(&[("IDV__OBJECTS__PATH", "/srv/images")]).unwrap();
        assert_eq!(
            c.objects,
            ObjectSettings::Local {
                path: PathBuf::from("/srv/images")
            }
        );
    }

    #[test]
    fn an_s3_store_is_configured_from_the_file_and_the_environment() {
        let file: ConfigLayer = toml::from_str(
            "[objects]\nbackend = \"s3\"\nbucket = \"idv\"\nendpoint = \"http://127.0.0.1:9000/\"\nsecret_access_key = \"hunter2\"",
        )
        .unwrap();
        let env_layer =
            ConfigLayer::from_env([("IDV__OBJECTS__REGION".into(), "eu-west-1".into())]).unwrap();
        let c = Config::resolve(&[file, env_layer]).unwrap();
        let ObjectSettings::S3(s) = &c.objects else {
            panic!("{:?}", c.objects)
        };
        assert_eq!(s.bucket, "idv");
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s.allow_http, "plain http to loopback is allowed");
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("hunter2") && dbg.contains("<redacted>"),
            "{dbg}"
        );

        let err = |vars: &[(&str, &str)]| env(vars).unwrap_err();
        assert!(err(&[("IDV__OBJECTS__BACKEND", "s3")]).contains("needs a bucket"));
        assert!(err(&[("IDV__OBJECTS__BACKEND", "ftp")]).contains("use local or s3"));
        assert!(err(&[("IDV__OBJECTS__COLOR", "x")]).contains("IDV__OBJECTS__COLOR"));
        let remote = [
            ("IDV__OBJECTS__BACKEND", "s3"),
            ("IDV__OBJECTS__BUCKET", "b"),
            ("IDV__OBJECTS__ENDPOINT", "http://minio.internal:9000"),
        ];
        assert!(err(&remote).contains("plain http on a non-loopback address"));
        let allowed = env(&[remote.as_slice(), &[("IDV__OBJECTS__ALLOW_HTTP", "true")]].concat());
        assert!(matches!(
            allowed,
            Ok(Config {
                objects: ObjectSettings::S3(S3Settings {
                    allow_http: true,
                    ..
                }),
                ..
            })
        ));
        for (url, loopback) in [
            ("http://127.0.0.1:9000", true),
            ("http://127.8.0.1", true),
            ("http://localhost:9000/x", true),
            ("http://[::1]:9000", true),
            ("http://10.0.0.1:9000", false),
            ("https://127.0.0.1", false),
        ] {
            assert_eq!(is_loopback_http(url), loopback, "{url}");
        }
    }
}
