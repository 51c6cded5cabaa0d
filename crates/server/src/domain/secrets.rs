//! Secrets: generation, hashing for storage, constant-time comparison.
//!
//! Client secrets, access tokens and flow auth tokens are 256-bit random values,
//! so a plain SHA-256 is a sufficient one-way hash for storing them (a slow
//! password hash defends low-entropy human passwords, which these are not).

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes `bytes` as lowercase hex into `out`, two digits a byte (`out` holds
/// at least twice as many bytes).
pub fn hex_into(bytes: &[u8], out: &mut [u8]) {
    for (b, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 15) as usize];
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    hex_into(bytes, &mut out);
    // Only ASCII hex digits were written.
    String::from_utf8(out).unwrap_or_default()
}

/// A SHA-256 digest as 64 lowercase hex digits, held inline: the per-request
/// token lookup hashes the bearer token without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexDigest([u8; 64]);

impl HexDigest {
    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for HexDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A digest of a secret is still not for the logs.
        f.write_str("HexDigest(..)")
    }
}

/// SHA-256 of `secret` as a [`HexDigest`].
pub fn digest(secret: &str) -> HexDigest {
    let mut out = [0u8; 64];
    hex_into(&Sha256::digest(secret.as_bytes()), &mut out);
    HexDigest(out)
}

/// SHA-256 of `secret`, hex: what the store keeps.
pub fn hash(secret: &str) -> String {
    digest(secret).as_str().to_string()
}

/// SHA-256 of `bytes`, hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Whether `secret` hashes to `stored_hash`, compared in constant time.
pub fn verify(secret: &str, stored_hash: &str) -> bool {
    hash(secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        let s = random_hex(32);
        assert_eq!(s.len(), 64);
        assert!(verify(&s, &hash(&s)));
        assert!(!verify("x", &hash(&s)));
        assert_eq!(digest("abc").as_str(), hash("abc"));
        assert_eq!(hash_bytes(b"abc"), hash("abc"));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
