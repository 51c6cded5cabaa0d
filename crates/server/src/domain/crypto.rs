//! Encryption at rest with the server key: what idv must keep readable (a stored
//! response that carries a flow's auth token, the individual a challenge returned
//! until the flow completes) is sealed with XChaCha20-Poly1305 before it reaches
//! the database, so a copy of the database file or a dump holds no personal data
//! or live secret in clear.
//!
//! The key is 32 random bytes. `idv serve` reads it from `IDV__SECRET_KEY` /
//! `secret_key` (base64), or from the key file beside the data (created on first
//! start, mode 0600); several instances on one PostgreSQL database must share it.
//! [`SealKey::random`] gives a throwaway key (tests, `AppState::new`).
//!
//! Sealed text is `v1.` followed by base64 (no padding, URL-safe) of a random
//! 24-byte nonce and the ciphertext with its tag. The associated data binds a
//! sealed value to where it belongs (for example the flow's correlation id), so a
//! value copied into another row does not open.
//!
//! Other uses of the server key get keys of their own, derived with HKDF-SHA256
//! ([`SealKey::derive`], one `info` label per use: the AES-256-GCM key of stored
//! images, the HMAC key of signed file URLs), so one secret is kept and backed up
//! while no two algorithms ever share key bytes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The server key. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
    /// The key's bytes, kept for [`SealKey::derive`].
    raw: [u8; 32],
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the server key must be 32 bytes written as base64 (for example `openssl rand -base64 32`)"
)]
pub struct BadKey;

impl SealKey {
    /// A new random key.
    pub fn random() -> SealKey {
        SealKey::generate().0
    }

    /// A new random key and its base64 text, for writing a key file.
    pub fn generate() -> (SealKey, String) {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        (SealKey::from_bytes(key.into()), text)
    }

    fn from_bytes(raw: [u8; 32]) -> SealKey {
        SealKey {
            cipher: XChaCha20Poly1305::new(&raw.into()),
            raw,
        }
    }

    /// A 32-byte key for one other use of the server key, derived with
    /// HKDF-SHA256 (no salt, `info` = `purpose`): the same server key and
    /// purpose always give the same key, two purposes unrelated keys.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, &self.raw)
            .expand(purpose.as_bytes(), &mut out)
            // 32 bytes is far below HKDF-SHA256's limit of 255 × 32.
            .unwrap_or_default();
        out
    }

    /// Reads a key written as base64 (standard or URL-safe, padding optional).
    pub fn from_base64(text: &str) -> Result<SealKey, BadKey> {
        let t = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(t)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(t))
            .or_else(|_| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')))
            .map_err(|_| BadKey)?;
        let raw: [u8; 32] = bytes.as_slice().try_into().map_err(|_| BadKey)?;
        Ok(SealKey::from_bytes(raw))
    }

    /// Seals `plaintext`, bound to `context` (which is not stored).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            // Encryption fails only for inputs far beyond anything idv stores.
            .unwrap_or_default();
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
    }

    /// Opens what [`SealKey::seal`] made with the same key and `context`; `None`
    /// when it was made with another key or context, or was altered.
    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }

    /// Whether `text` looks like a sealed value (stored rows written before
    /// encryption are read as they are).
    pub fn is_sealed(text: &str) -> bool {
        text.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let (k, text) = SealKey::generate();
        let s = k.seal(b"123-45-0596", "flow-1");
        assert!(SealKey::is_sealed(&s));
        assert!(!s.contains("0596"));
        assert_eq!(k.open(&s, "flow-1").as_deref(), Some(&b"123-45-0596"[..]));
        assert_eq!(k.open(&s, "flow-2"), None);
        assert_eq!(SealKey::random().open(&s, "flow-1"), None);
        let again = SealKey::from_base64(&text).unwrap();
        assert_eq!(
            again.open(&s, "flow-1").as_deref(),
            Some(&b"123-45-0596"[..])
        );
        // Two seals of the same text differ (random nonce).
        assert_ne!(k.seal(b"x", "c"), k.seal(b"x", "c"));
        let mut tampered = s.clone();
        tampered.push('A');
        assert_eq!(k.open(&tampered, "flow-1"), None);
    }

    #[test]
    fn derived_keys_depend_on_the_server_key_and_the_purpose() {
        let (k, text) = SealKey::generate();
        let again = SealKey::from_base64(&text).unwrap();
        assert_eq!(k.derive("objects"), again.derive("objects"));
        assert_ne!(k.derive("objects"), k.derive("signed-urls"));
        assert_ne!(k.derive("objects"), SealKey::random().derive("objects"));
        assert_ne!(&k.derive("objects")[..], &k.raw[..], "never the key itself");
    }

    #[test]
    fn keys_are_32_bytes_of_base64_and_never_shown() {
        assert_eq!(SealKey::from_base64("c2hvcnQ=").unwrap_err(), BadKey);
        assert_eq!(SealKey::from_base64("not base64!").unwrap_err(), BadKey);
        let (k, text) = SealKey::generate();
        assert!(SealKey::from_base64(&format!("  {text}\n")).is_ok());
        assert_eq!(format!("{k:?}"), "SealKey(<redacted>)");
    }
}
