//! Signed file URLs: `/api/v1/files/{signed}` opens one stored object until an
//! expiry, without a token, so a browser or an `<img>` tag can show a document
//! image that an authenticated API call handed out.
//!
//! `signed` is `<object>.<expires>.<mac>`: the object key as URL-safe base64
//! (no padding), the expiry in Unix seconds, and HMAC-SHA256 over
//! `<object>.<expires>` (both as written) as URL-safe base64. The HMAC key is
//! derived from the server key ([`SealKey::derive`], purpose
//! [`PURPOSE`]), so every instance sharing the server key accepts the others'
//! URLs and no other key has to be kept. The MAC is compared in constant time
//! (`hmac`'s `verify_slice`) before the expiry is looked at; a tampered or an
//! expired URL gets the same answer, `None`.

use crate::domain::SealKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HKDF `info` of the signing key.
pub const PURPOSE: &str = "idv signed file urls v1";

/// Signs and checks file URLs. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(<redacted>)")
    }
}

impl UrlSigner {
    /// The signer of the server key `key`.
    pub fn new(key: &SealKey) -> UrlSigner {
        UrlSigner {
            key: key.derive(PURPOSE),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts a 32-byte key")
    }

    /// The `signed` path segment that opens `object` until `expires_at` (Unix seconds).
    pub fn sign(&self, object: &str, expires_at: i64) -> String {
        let signed = format!("{}.{expires_at}", URL_SAFE_NO_PAD.encode(object));
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{tag}")
    }

    /// The object `signed` opens at `now` (Unix seconds); `None` when it was not
    /// made by this key, was altered in any way, or has expired.
    pub fn verify(&self, signed: &str, now: i64) -> Option<String> {
        let (message, tag) = signed.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(message.as_bytes());
        mac.verify_slice(&tag).ok()?;
        let (object, expires) = message.split_once('.')?;
        let expires: i64 = expires.parse().ok()?;
        if now >= expires {
            return None;
        }
        String::from_utf8(URL_SAFE_NO_PAD.decode(object).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_url_opens_its_object_until_it_expires() {
        let key = SealKey::random();
        let s = UrlSigner::new(&key);
        let url = s.sign("ws_1/doc_2/front", 1_000);
        assert!(
            url.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{url}"
        );
        assert_eq!(s.verify(&url, 999).as_deref(), Some("ws_1/doc_2/front"));
        assert_eq!(s.verify(&url, 1_000), None, "expired at its expiry");
        assert_eq!(
            UrlSigner::new(&SealKey::random()).verify(&url, 0),
            None,
            "another key"
        );
        assert_eq!(
            UrlSigner::new(&key).verify(&url, 0).as_deref(),
            Some("ws_1/doc_2/front")
        );
        assert!(!format!("{s:?}").contains(&format!("{:?}", s.key)));
    }

    #[test]
    fn any_change_to_a_signed_url_is_refused() {
        let s = UrlSigner::new(&SealKey::random());
        let url = s.sign("ws_1/doc_2/front", 1_000);
        let (msg, _) = url.rsplit_once('.').unwrap();
        let (obj, _) = msg.split_once('.').unwrap();
        // A later expiry, another object, a cut or altered tag, no tag.
        let longer = url.replacen(".1000.", ".99999.", 1);
        let other = url.replacen(obj, &URL_SAFE_NO_PAD.encode("ws_9/doc_2/front"), 1);
        for bad in [
            longer.as_str(),
            other.as_str(),
            &url[..url.len() - 1],
            &format!("{url}A"),
            msg,
            "",
            "..",
            "a.b.c",
        ] {
            assert_eq!(s.verify(bad, 0), None, "{bad}");
        }
        // Every single-character change of the whole URL.
        for i in 0..url.len() {
            let mut b = url.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(b).unwrap();
            if changed != url {
                assert_eq!(s.verify(&changed, 0), None, "{changed}");
            }
        }
    }
}
