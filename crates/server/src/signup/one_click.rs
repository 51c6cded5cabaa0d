//! `POST /1-click`, `GET /1-click/{uuid}` and `PATCH /1-click/{uuid}`.
//!
//! A request is checked in the order a caller can fix it: the API key
//! ([`Caller`]), the body's shape (IDV002), then the identifiers: neither
//! `phone` nor `email` is OCE003, a phone number that is not a US number in
//! E.164 is OCE002. The sandbox data provider holds no users yet, so every
//! well-formed start is OCE004 and no 1-Click request is ever created: the
//! uuid of a GET or PATCH is therefore always OCE015.

use crate::domain::phone;
use crate::http::{Fields, Json, ParseJson};
use crate::signup::Fail;
use crate::signup::auth::Caller;
use axum::extract::Path;
use axum::response::Response;
use idv_core::SignupError;
use serde_json::{Map, Value};

/// The body of `POST /1-click`.
pub(crate) struct StartRequest {
    phone: Option<String>,
    email: Option<String>,
}

impl ParseJson for StartRequest {
    type Error = SignupError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = Fields::<SignupError>::new(body);
        let phone = f.opt_str("phone").filter(|p| !p.trim().is_empty());
        let email = f.opt_str("email").filter(|e| !e.trim().is_empty());
        f.opt_str("birthDate");
        f.opt_str("ssn4");
        f.finish()?;
        Ok(StartRequest { phone, email })
    }
}

/// The body of `PATCH /1-click/{uuid}`.
pub(crate) struct PatchRequest;

impl ParseJson for PatchRequest {
    type Error = SignupError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = Fields::<SignupError>::new(body);
        f.opt_str("birthDate");
        f.opt_str("ssn4");
        f.finish()?;
        Ok(PatchRequest)
    }
}

/// Whether `raw` is a US number in E.164 (`+1` and ten digits, of no other
/// country of the +1 plan).
fn us_e164(raw: &str) -> bool {
    let Some(digits) = raw.strip_prefix("+1") else {
        return false;
    };
    digits.len() == 10
        && digits.bytes().all(|b| b.is_ascii_digit())
        && phone::parse(raw).is_ok_and(|p| p.country == "US")
}

/// `POST /1-click`.
pub(crate) async fn start(_who: Caller, Json(req): Json<StartRequest>) -> Result<Response, Fail> {
    if req.phone.is_none() && req.email.is_none() {
        return Err(SignupError::PhoneOrEmailRequired.into());
    }
    if let Some(p) = &req.phone {
        if !us_e164(p) {
            return Err(SignupError::UnsupportedPhoneNumber.into());
        }
    }
    Err(SignupError::UserNotFound.into())
}

/// `GET /1-click/{uuid}`.
pub(crate) async fn get(_who: Caller, Path(_uuid): Path<String>) -> Result<Response, Fail> {
    Err(SignupError::OneClickNotFound.into())
}

/// `PATCH /1-click/{uuid}`.
pub(crate) async fn patch(
    _who: Caller,
    Path(_uuid): Path<String>,
    Json(_req): Json<PatchRequest>,
) -> Result<Response, Fail> {
    Err(SignupError::OneClickNotFound.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_us_numbers_in_e164_are_supported() {
        assert!(us_e164("+10123456789"), "the sandbox's primary user");
        assert!(us_e164("+12125550010"));
        assert!(!us_e164("2125550010"), "no +1");
        assert!(!us_e164("+1 212 555 0010"), "spaces");
        assert!(!us_e164("+14165550123"), "Canada");
        assert!(!us_e164("+442071838750"), "the UK");
    }
}
