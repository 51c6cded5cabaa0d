//! Document images in and out of the verification surface: the catalogued 422
//! of an image field ([`image_error`]), storing a checked image encrypted
//! ([`store_image`]), its short-lived `image_url` ([`image_url`]), and the
//! handler of `GET /api/v1/files/{signed}` ([`get`]), which answers the image's
//! bytes to whoever holds an unexpired, untampered URL.
//!
//! The URL is the credential: no API token is needed, so an `<img>` tag or a
//! browser can open it; it names one object, expires after
//! [`SIGNED_URL_LIFETIME_SECONDS`], and is checked in constant time
//! (`domain::signed`). A tampered, expired or erased one is the surface's 404
//! (`File not found.`), the same answer, so a caller learns nothing about which.

use crate::app::state::AppState;
use crate::domain::image::{ImageKind, ImageProblem, ValidImage};
use crate::http::error::Failure;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use idv_core::VerificationError;
use idv_core::limits::{IMAGE_MAX_DIMENSION, IMAGE_MAX_PIXELS, SIGNED_URL_LIFETIME_SECONDS};

/// The path the files route is mounted at (`{signed}` is the signed token).
pub const PATH: &str = "/api/v1/files/{signed}";

/// What the database keeps of a stored image: never the image itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// Where the encrypted image is, in the object store.
    pub object_key: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// SHA-256 of the image, lowercase hex.
    pub sha256: String,
}

/// The catalogued 422 for an image `field` (`document.image`, `back_side_data`)
/// refused for `problem`.
pub fn image_error(problem: ImageProblem, field: &str) -> VerificationError {
    let field = field.to_string();
    match problem {
        ImageProblem::TooLarge => VerificationError::ImageTooLarge { field },
        ImageProblem::NotDecodable => VerificationError::ImageNotDecodable { field },
        ImageProblem::TooManyPixels => VerificationError::FieldInvalid {
            field,
            reason: format!(
                "must be an image of at most {IMAGE_MAX_DIMENSION} pixels wide and high and {} megapixels",
                IMAGE_MAX_PIXELS / 1_000_000
            ),
        },
    }
}

/// Encrypts `image` into the object store under `object_key` and returns what
/// the database keeps of it.
pub async fn store_image(
    st: &AppState,
    object_key: &str,
    image: ValidImage,
) -> Result<StoredImage, Failure<VerificationError>> {
    let ValidImage {
        bytes,
        content_type,
        width,
        height,
        sha256,
    } = image;
    st.objects
        .put(object_key, bytes)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok(StoredImage {
        object_key: object_key.to_string(),
        content_type,
        width,
        height,
        sha256,
    })
}

/// The URL that opens the object `object_key` for
/// [`SIGNED_URL_LIFETIME_SECONDS`] from now.
pub fn image_url(st: &AppState, object_key: &str) -> String {
    let lifetime = i64::try_from(SIGNED_URL_LIFETIME_SECONDS).unwrap_or(300);
    let signed = st.urls.sign(object_key, st.clock.now() + lifetime);
    format!("{}{}", st.public_url, PATH.replace("{signed}", &signed))
}

/// `GET /api/v1/files/{signed}`: the image's bytes with its content type,
/// never cached and never sniffed; `404 File not found.` for a tampered,
/// expired or unknown URL.
pub async fn get(
    State(st): State<AppState>,
    uri: Uri,
) -> Result<Response, Failure<VerificationError>> {
    // The raw segment: a signed token is ASCII letters, digits, `-`, `_` and
    // `.`, so anything percent-encoded is not one (and never a rejection in
    // another format than the catalogue's).
    let signed = uri.path().rsplit('/').next().unwrap_or_default();
    let not_found = || {
        Failure::Api(VerificationError::ResourceNotFound {
            resource: "File".into(),
        })
    };
    let object = st
        .urls
        .verify(signed, st.clock.now())
        .ok_or_else(not_found)?;
    let bytes = st
        .objects
        .get(&object)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .ok_or_else(not_found)?;
    let content_type =
        ImageKind::sniff(&bytes).map_or("application/octet-stream", ImageKind::content_type);
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}
