//! The end-user side of a verification: `url` (`/api/v1/capture?token=…`), a
//! plain page that says which documents to upload until the capture page of
//! the dashboard exists, and `qr_code` (`/api/v1/capture/qr.png?token=…`), a
//! PNG QR code of `url`.
//!
//! They are not API operations (no API token: the capture token is the
//! credential, 256 random bits, found by its SHA-256), so they are not in
//! `OPERATIONS`; like `/docs/`, they are routed beside the table. The token
//! travels in the query, never in the path, because the server logs paths.
//! An unknown token is the surface's 404.

use super::Fail;
use super::flows::Flow;
use super::status::VerificationStatus;
use super::store::VerificationRecord;
use super::verifications::{capture_url, config_of};
use crate::app::AppState;
use crate::domain::secrets;
use crate::http::input::parse_form;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idv_core::VerificationError;
use idv_core::outcomes::ContextType;

/// Pixels per QR module, and modules of quiet zone around the code.
const SCALE: usize = 8;
const QUIET: usize = 4;

/// The verification of the query's `token`, and the token.
async fn by_token(
    st: &AppState,
    query: Option<String>,
) -> Result<(VerificationRecord, String), Fail> {
    let not_found = || {
        Fail::Api(VerificationError::ResourceNotFound {
            resource: "Verification".into(),
        })
    };
    let token = parse_form(query.unwrap_or_default().as_bytes())
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(not_found());
    }
    let rec = st
        .store
        .get_verification_by_capture(&secrets::hash(&token))
        .await?
        .ok_or_else(not_found)?;
    Ok((rec, token))
}

/// `GET /api/v1/capture?token=…`: what to upload, as plain text.
pub async fn page(State(st): State<AppState>, RawQuery(query): RawQuery) -> Result<Response, Fail> {
    let (rec, _) = by_token(&st, query).await?;
    let flow = Flow::from_path(&rec.flow)
        .ok_or_else(|| Fail::Internal(format!("verification {}: stored flow", rec.id)))?;
    let status = VerificationStatus::from_value(rec.status).map_or("Unknown", |s| s.label());
    let workspace = st
        .store
        .get_workspace(&rec.workspace_id)
        .await?
        .ok_or_else(|| Fail::Internal(format!("verification {}: no workspace", rec.id)))?;
    let config = config_of(&workspace.id, &workspace.flows, flow)?;
    let mut text = format!(
        "Identity verification ({})\n\nVerification {} is {status}.\n",
        flow.display(),
        rec.id
    );
    if rec.status == VerificationStatus::Started.value() {
        text.push_str("Please have these documents ready to upload:\n");
        for context in [
            ContextType::PhotoId,
            ContextType::ProofOfAddress,
            ContextType::Selfie,
        ] {
            if config.requires(context) {
                text.push_str(&format!("- {}\n", context.label()));
            }
        }
        text.push_str(
            "\nThe upload page is not available yet: the service that asked you to verify \
             your identity will upload the documents for you.\n",
        );
    } else {
        text.push_str("Nothing more is needed from you.\n");
    }
    let mut resp = (StatusCode::OK, text).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(resp)
}

/// `GET /api/v1/capture/qr.png?token=…`: the QR code of the page's URL.
pub async fn qr(State(st): State<AppState>, RawQuery(query): RawQuery) -> Result<Response, Fail> {
    let (_, token) = by_token(&st, query).await?;
    let png = qr_png(&capture_url(&st, &token))?;
    let mut resp = (StatusCode::OK, png).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(resp)
}

/// A PNG (8-bit greyscale) of the QR code of `text`.
pub(crate) fn qr_png(text: &str) -> Result<Vec<u8>, Fail> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Fail::Internal(format!("QR code: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let png_error = |e: png::EncodingError| Fail::Internal(format!("PNG: {e}"));
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&pixels).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}
