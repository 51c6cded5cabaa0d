//! `POST /1-click`, `GET /1-click/{uuid}` and `PATCH /1-click/{uuid}` for
//! Non-Hosted brands, over the sandbox data provider.
//!
//! A request is checked in the order a caller can fix it: the API key
//! ([`Caller`]), the body's shape (IDV002), the identifiers (neither `phone`
//! nor `email`: OCE003; a phone number that is not a US number in E.164:
//! OCE002), the brand's integration type (IDV005 for Hosted and Semi-Hosted,
//! not served yet), then the user: unknown (OCE004), a `birthDate` or `ssn4`
//! that is not theirs (OCE012), a risk score above 600 (OCE017), no data
//! (OCE013). A found identity is answered at once and kept 60 minutes, sealed
//! with the server key under the request's uuid; the phone number is kept only
//! as a digest. `credentialRequests` are not read yet: every credential the
//! sandbox holds is returned.

use crate::app::AppState;
use crate::domain::phone;
use crate::domain::secrets;
use crate::http::{Fields, Json, ParseJson, ok};
use crate::signup::Fail;
use crate::signup::auth::Caller;
use crate::signup::risk;
use crate::signup::sandbox::{self, SandboxUser};
use crate::signup::store::RequestRecord;
use axum::extract::{Path, State};
use axum::response::Response;
use idv_core::SignupError;
use idv_core::limits::ONE_CLICK_REQUEST_LIFETIME_SECONDS;
use serde_json::{Map, Value, json};

/// The body of `POST /1-click`.
pub(crate) struct StartRequest {
    phone: Option<String>,
    email: Option<String>,
    inputs: Inputs,
}

/// The challenge inputs a caller may send: birth date and SSN4.
#[derive(Default)]
pub(crate) struct Inputs {
    birth_date: Option<String>,
    ssn4: Option<String>,
}

impl Inputs {
    fn read(f: &mut Fields<'_, SignupError>) -> Inputs {
        Inputs {
            birth_date: f.opt_str("birthDate"),
            ssn4: f.opt_str("ssn4"),
        }
    }

    /// OCE012's message when an input does not match the sandbox user's.
    fn mismatch(&self) -> Option<&'static str> {
        let dob = self
            .birth_date
            .as_deref()
            .is_some_and(|d| d != sandbox::BIRTH_DATE);
        let ssn = self.ssn4.as_deref().is_some_and(|s| s != sandbox::SSN4);
        match (dob, ssn) {
            (true, true) => Some("BirthDate mismatch and SSN4 mismatch."),
            (true, false) => Some("BirthDate mismatch."),
            (false, true) => Some("SSN4 mismatch."),
            (false, false) => None,
        }
    }
}

impl ParseJson for StartRequest {
    type Error = SignupError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = Fields::<SignupError>::new(body);
        let phone = f.opt_str("phone").filter(|p| !p.trim().is_empty());
        let email = f.opt_str("email").filter(|e| !e.trim().is_empty());
        let inputs = Inputs::read(&mut f);
        f.finish()?;
        Ok(StartRequest {
            phone,
            email,
            inputs,
        })
    }
}

/// The body of `PATCH /1-click/{uuid}`.
pub(crate) struct PatchRequest(Inputs);

impl ParseJson for PatchRequest {
    type Error = SignupError;
    fn parse(body: &Map<String, Value>) -> Result<Self, Fail> {
        let mut f = Fields::<SignupError>::new(body);
        let inputs = Inputs::read(&mut f);
        f.finish()?;
        Ok(PatchRequest(inputs))
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
pub(crate) async fn start(
    State(st): State<AppState>,
    who: Caller,
    Json(req): Json<StartRequest>,
) -> Result<Response, Fail> {
    let phone = match (&req.phone, &req.email) {
        (None, None) => return Err(SignupError::PhoneOrEmailRequired.into()),
        (Some(p), _) if !us_e164(p) => return Err(SignupError::UnsupportedPhoneNumber.into()),
        (Some(p), _) => p.clone(),
        // The sandbox finds users by phone number only.
        (None, Some(_)) => return Err(SignupError::UserNotFound.into()),
    };
    if who.brand.integration != "non-hosted" {
        return Err(SignupError::IntegrationNotServed.into());
    }
    let user = sandbox::by_phone(&phone).ok_or(SignupError::UserNotFound)?;
    let now = st.clock.now();
    let identity = identity(user, &who.brand.add_ons, &req.inputs, req.email, now)?;
    let uuid = uuid::Uuid::new_v4().to_string();
    st.store
        .insert_request(&RequestRecord {
            uuid: uuid.clone(),
            brand_id: who.brand.id.clone(),
            phone_hash: secrets::hash(&phone),
            data: st
                .key
                .seal(identity.to_string().as_bytes(), &context(&uuid)),
            created_at: now,
            expires_at: now + ONE_CLICK_REQUEST_LIFETIME_SECONDS as i64,
        })
        .await?;
    Ok(ok(json!({"uuid": uuid, "identity": identity})))
}

/// `GET /1-click/{uuid}`.
pub(crate) async fn get(
    State(st): State<AppState>,
    who: Caller,
    Path(uuid): Path<String>,
) -> Result<Response, Fail> {
    Ok(ok(load(&st, &who, &uuid).await?))
}

/// `PATCH /1-click/{uuid}`.
pub(crate) async fn patch(
    State(st): State<AppState>,
    who: Caller,
    Path(uuid): Path<String>,
    Json(PatchRequest(inputs)): Json<PatchRequest>,
) -> Result<Response, Fail> {
    let identity = load(&st, &who, &uuid).await?;
    if let Some(mismatch) = inputs.mismatch() {
        return Err(SignupError::InputMismatch {
            mismatch: mismatch.into(),
            risk_signals: identity["metadata"]["identifiers"]
                .get("riskSignals")
                .cloned(),
        }
        .into());
    }
    Ok(ok(identity))
}

/// The identity of the brand's request `uuid`: OCE015 when there is none (or
/// it is another brand's), OCE014 once its 60 minutes are over.
async fn load(st: &AppState, who: &Caller, uuid: &str) -> Result<Value, Fail> {
    let rec = st
        .store
        .get_request(&who.brand.id, uuid)
        .await?
        .ok_or(SignupError::OneClickNotFound)?;
    if st.clock.now() >= rec.expires_at {
        return Err(SignupError::OneClickRequestExpired.into());
    }
    let plain = st.key.open(&rec.data, &context(uuid)).ok_or_else(|| {
        Fail::Internal(format!("1-Click request {uuid}: sealed data does not open"))
    })?;
    Ok(serde_json::from_slice(&plain)?)
}

/// The associated data that binds a request's sealed identity to its row.
fn context(uuid: &str) -> String {
    format!("one-click:{uuid}")
}

/// The `1ClickEntity` of `user` for a brand with `add_ons`, after the checks
/// that refuse it: OCE012, OCE017, OCE013.
fn identity(
    user: &SandboxUser,
    add_ons: &[String],
    inputs: &Inputs,
    email: Option<String>,
    now: i64,
) -> Result<Value, Fail> {
    let signals = risk::signals(&user.risk, add_ons);
    if let Some(mismatch) = inputs.mismatch() {
        return Err(SignupError::InputMismatch {
            mismatch: mismatch.into(),
            risk_signals: Some(signals),
        }
        .into());
    }
    if risk::blocks(&user.risk) {
        return Err(SignupError::RiskScoreTooHigh {
            risk_signals: signals,
        }
        .into());
    }
    let Some(credentials) = &user.credentials else {
        return Err(SignupError::NoCredentialsFound {
            risk_signals: Some(signals),
        }
        .into());
    };
    let issued = iso8601(now);
    let verified = |method: &str| json!({"verificationMethod": method, "status": "verified", "issuanceDate": issued});
    let email = email.or_else(|| user.email.clone());
    let mut identifiers = json!({"phone": user.phone});
    let mut id_meta = json!({"phone": verified("phone_carrier"), "riskSignals": signals});
    if let Some(e) = &email {
        identifiers["email"] = json!(e);
        id_meta["email"] = verified("self_attested");
    }
    let cred_meta: Map<String, Value> = credentials
        .as_object()
        .map(|c| {
            c.keys()
                .map(|k| (k.clone(), verified("data_source")))
                .collect()
        })
        .unwrap_or_default();
    Ok(json!({
        "identifiers": identifiers,
        "credentials": credentials,
        "metadata": {"identifiers": id_meta, "credentials": cred_meta},
    }))
}

/// Unix seconds as ISO 8601 UTC with microseconds (`2026-06-11T07:36:42.000000Z`),
/// the timestamp format of every idv answer. Our own (a civil-from-days
/// conversion) because no date crate is a dependency of the server.
fn iso8601(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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

    #[test]
    fn timestamps_are_iso_8601_utc_with_microseconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(iso8601(1_781_163_402), "2026-06-11T07:36:42.000000Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00.000000Z");
    }
}
