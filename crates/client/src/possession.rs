//! The possession surface: typed requests and responses for every route, and the
//! [`Client`] methods that call them.
//!
//! Field names are camelCase on the wire, exactly as the surface documents them;
//! requests leave out fields that are `None` or empty (the omit-empty convention).
//! Responses accept missing optional fields, so a server that omits an empty
//! member still decodes. The access token is handled by the client: fetched on
//! first use, cached, refreshed shortly before expiry, and refreshed once on a 401.
//!
//! A flow reads `next` from each response and calls what it names (the surface
//! asks callers not to hard-code the sequence):
//!
//! ```no_run
//! use idv_client::{Client, Credentials};
//! use idv_client::possession::{FlowType, StartRequest, ValidateRequest, ChallengeRequest, CompleteRequest, steps};
//!
//! # async fn run() -> Result<(), idv_client::Error> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8080")
//!     .credentials(Credentials::new("sandbox-client", "sandbox-secret"))
//!     .build()?;
//! let start = client
//!     .start(&StartRequest::new(FlowType::Mobile).phone_number("2001001695"))
//!     .await?;
//! let id = start.correlation_id.clone();
//! let validated = client.validate(&ValidateRequest::new(&id)).await?;
//! if validated.next.contains_key(steps::CHALLENGE) {
//!     let found = client
//!         .challenge(&ChallengeRequest::new(&id).dob("1981-01"))
//!         .await?;
//!     let individual = found.individual.unwrap_or_default();
//!     client.complete(&CompleteRequest::new(&id, individual)).await?;
//! }
//! # Ok(())
//! # }
//! ```

use crate::client::{Auth, Body, Call, Client, Method};
use crate::error::Error;
use idv_core::Surface;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The calls allowed next: step key → path (`{"v3-validate": "/v3/validate"}`).
pub type Next = BTreeMap<String, String>;

/// The step keys that appear in `next`.
pub mod steps {
    /// `POST /v3/validate`.
    pub const VALIDATE: &str = "v3-validate";
    /// `POST /v3/challenge` (Pre-Fill only).
    pub const CHALLENGE: &str = "v3-challenge";
    /// `POST /v3/complete`.
    pub const COMPLETE: &str = "v3-complete";
    /// The flow is finished.
    pub const DONE: &str = "done";
}

/// How possession is established at `POST /v3/start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowType {
    /// Instant Link by SMS; needs `finalTargetUrl`.
    Desktop,
    /// Mobile Auth, falling back to an SMS one-time code.
    Mobile,
}

/// How possession is established at `POST /v3/unify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PossessionType {
    /// Instant Link by SMS; needs `finalTargetUrl`.
    Desktop,
    /// Mobile Auth, falling back to an SMS one-time code.
    Mobile,
    /// The customer runs its own possession check, then calls `/v3/unify-bind`.
    None,
}

/// `POST /v3/start`.
///
/// ```
/// use idv_client::possession::{FlowType, StartRequest};
///
/// let req = StartRequest::new(FlowType::Desktop)
///     .phone_number("2001001695")
///     .final_target_url("https://example.com/done");
/// // camelCase on the wire; fields left as None are omitted.
/// assert_eq!(
///     idv_core::json::to_string(&req).unwrap(),
///     r#"{"flowType":"desktop","phoneNumber":"2001001695","finalTargetUrl":"https://example.com/done"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest {
    /// `desktop` or `mobile` (required).
    pub flow_type: FlowType,
    /// The phone number: 10 digits (US/Canada, `+1` optional) or E.164.
    pub phone_number: Option<String>,
    /// Where the Instant Link leads (required for `desktop`; at most 128 characters).
    pub final_target_url: Option<String>,
    /// SMS text; `####` is replaced by the code or link.
    pub sms_message: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// The end user's IP address.
    pub ip_address: Option<String>,
    /// Date of birth: `YYYY-MM-DD`, `YYYY-MM` or `MM-DD`.
    pub dob: Option<String>,
    /// Social Security number, full or last 4.
    pub ssn: Option<String>,
    /// Allows up to 3 re-entries of the SMS code.
    #[serde(rename = "allowOTPRetry")]
    pub allow_otp_retry: Option<bool>,
}

impl StartRequest {
    /// A request with only `flowType` set.
    pub fn new(flow_type: FlowType) -> StartRequest {
        StartRequest {
            flow_type,
            phone_number: None,
            final_target_url: None,
            sms_message: None,
            email_address: None,
            ip_address: None,
            dob: None,
            ssn: None,
            allow_otp_retry: None,
        }
    }
    /// Sets `phoneNumber`.
    pub fn phone_number(mut self, v: impl Into<String>) -> Self {
        self.phone_number = Some(v.into());
        self
    }
    /// Sets `finalTargetUrl`.
    pub fn final_target_url(mut self, v: impl Into<String>) -> Self {
        self.final_target_url = Some(v.into());
        self
    }
    /// Sets `dob`.
    pub fn dob(mut self, v: impl Into<String>) -> Self {
        self.dob = Some(v.into());
        self
    }
    /// Sets `ssn`.
    pub fn ssn(mut self, v: impl Into<String>) -> Self {
        self.ssn = Some(v.into());
        self
    }
}

/// Response of `POST /v3/start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartResponse {
    /// Short-lived token for the client-side SDK that runs possession.
    #[serde(default)]
    pub auth_token: String,
    /// The flow's id; every later step sends it.
    pub correlation_id: String,
    /// The calls allowed next.
    #[serde(default)]
    pub next: Next,
}

/// `POST /v3/validate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateRequest {
    /// The flow's id.
    pub correlation_id: String,
}

impl ValidateRequest {
    /// For the flow `correlation_id`.
    pub fn new(correlation_id: impl Into<String>) -> ValidateRequest {
        ValidateRequest {
            correlation_id: correlation_id.into(),
        }
    }
}

/// Response of `POST /v3/validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// Whether possession was established.
    #[serde(default)]
    pub success: bool,
    /// Pre-Fill: no challenge data (dob/ssn) was sent yet.
    #[serde(default)]
    pub challenge_missing: bool,
    /// The validated number.
    pub phone_number: Option<String>,
    /// The calls allowed next (`v3-challenge` for Pre-Fill, `v3-complete` for
    /// Prove Identity).
    #[serde(default)]
    pub next: Next,
    /// Evaluation results, when enabled.
    pub evaluation: Option<Value>,
}

/// `POST /v3/challenge` (Pre-Fill). Fields sent here replace those sent to start.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeRequest {
    /// The flow's id.
    pub correlation_id: String,
    /// Date of birth.
    pub dob: Option<String>,
    /// Social Security number, full or last 4.
    pub ssn: Option<String>,
}

impl ChallengeRequest {
    /// For the flow `correlation_id`, without challenge data.
    pub fn new(correlation_id: impl Into<String>) -> ChallengeRequest {
        ChallengeRequest {
            correlation_id: correlation_id.into(),
            dob: None,
            ssn: None,
        }
    }
    /// Sets `dob`.
    pub fn dob(mut self, v: impl Into<String>) -> Self {
        self.dob = Some(v.into());
        self
    }
    /// Sets `ssn`.
    pub fn ssn(mut self, v: impl Into<String>) -> Self {
        self.ssn = Some(v.into());
        self
    }
}

/// A person's identity data, as returned by challenge and sent to complete.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Individual {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Date of birth.
    pub dob: Option<String>,
    /// Social Security number.
    pub ssn: Option<String>,
    /// Email addresses (complete processes only the first).
    #[serde(default)]
    pub email_addresses: Vec<String>,
    /// Postal addresses (complete processes only the first).
    #[serde(default)]
    pub addresses: Vec<Address>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street address.
    pub address: Option<String>,
    /// Apartment, suite, etc.
    pub extended_address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
}

/// Response of `POST /v3/challenge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResponse {
    /// Whether an identity was found.
    #[serde(default)]
    pub success: bool,
    /// The identity found, to show the user for confirmation.
    pub individual: Option<Individual>,
    /// The calls allowed next.
    #[serde(default)]
    pub next: Next,
}

/// `POST /v3/complete`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteRequest {
    /// The flow's id.
    pub correlation_id: String,
    /// The identity the user confirmed (required).
    pub individual: Individual,
}

impl CompleteRequest {
    /// For the flow `correlation_id` with the confirmed `individual`.
    pub fn new(correlation_id: impl Into<String>, individual: Individual) -> CompleteRequest {
        CompleteRequest {
            correlation_id: correlation_id.into(),
            individual,
        }
    }
}

/// Response of `POST /v3/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompleteResponse {
    /// Whether the identity was verified.
    #[serde(default)]
    pub success: bool,
    /// `{"done": "done"}`.
    #[serde(default)]
    pub next: Next,
    /// Whether the submitted data differ from what challenge returned.
    pub change_detected: Option<bool>,
    /// The id of the identity enrolled on success (an idv extension; read it back
    /// with [`Client::identity`]).
    pub identity_id: Option<String>,
    /// Identity verification details.
    pub idv: Option<Value>,
    /// KYC details.
    pub kyc: Option<Value>,
    /// Evaluation results.
    pub evaluation: Option<Value>,
}

/// `POST /v3/unify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifyRequest {
    /// `desktop`, `mobile` or `none` (required).
    pub possession_type: PossessionType,
    /// A client-chosen id of this session (required; a GUID, no personal data).
    pub client_request_id: String,
    /// The phone number.
    pub phone_number: Option<String>,
    /// Where the Instant Link leads (required for `desktop`).
    pub final_target_url: Option<String>,
    /// A Prove Key id from an earlier bind.
    pub device_id: Option<String>,
    /// A Prove id from an earlier verification.
    pub prove_id: Option<String>,
    /// The customer's id of the user.
    pub client_customer_id: Option<String>,
    /// The customer's id of the person.
    pub client_human_id: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// The end user's IP address.
    pub ip_address: Option<String>,
    /// SMS text; `####` is replaced by the code or link.
    pub sms_message: Option<String>,
    /// Allows up to 3 re-entries of the SMS code.
    #[serde(rename = "allowOTPRetry")]
    pub allow_otp_retry: Option<bool>,
    /// Ask for a reputation check.
    pub check_reputation: Option<bool>,
    /// Rebind the Prove Key to the newly verified number.
    pub rebind: Option<bool>,
}

impl UnifyRequest {
    /// A request with the two required fields set.
    pub fn new(
        possession_type: PossessionType,
        client_request_id: impl Into<String>,
    ) -> UnifyRequest {
        UnifyRequest {
            possession_type,
            client_request_id: client_request_id.into(),
            phone_number: None,
            final_target_url: None,
            device_id: None,
            prove_id: None,
            client_customer_id: None,
            client_human_id: None,
            email_address: None,
            ip_address: None,
            sms_message: None,
            allow_otp_retry: None,
            check_reputation: None,
            rebind: None,
        }
    }
    /// Sets `phoneNumber`.
    pub fn phone_number(mut self, v: impl Into<String>) -> Self {
        self.phone_number = Some(v.into());
        self
    }
    /// Sets `finalTargetUrl`.
    pub fn final_target_url(mut self, v: impl Into<String>) -> Self {
        self.final_target_url = Some(v.into());
        self
    }
    /// Sets `deviceId`.
    pub fn device_id(mut self, v: impl Into<String>) -> Self {
        self.device_id = Some(v.into());
        self
    }
}

/// Response of `POST /v3/unify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifyResponse {
    /// A string: `"pending"` while possession runs, or `"true"` / `"false"`.
    pub success: String,
    /// The session's id.
    pub correlation_id: String,
    /// One-time token for the client-side SDK.
    pub auth_token: Option<String>,
}

/// `POST /v3/unify-status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifyStatusRequest {
    /// The session's id.
    pub correlation_id: String,
    /// The client's id of the session.
    pub client_request_id: Option<String>,
}

impl UnifyStatusRequest {
    /// For the session `correlation_id`.
    pub fn new(correlation_id: impl Into<String>) -> UnifyStatusRequest {
        UnifyStatusRequest {
            correlation_id: correlation_id.into(),
            client_request_id: None,
        }
    }
}

/// Response of `POST /v3/unify-status` and `POST /v3/unify-bind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifyStatusResponse {
    /// A string: `"true"`, `"false"`, `"pending"` or `"possession_required"`.
    pub success: String,
    /// The Prove id (when `success` is `"true"`).
    pub prove_id: Option<String>,
    /// The Prove Key id (when one was bound, on mobile).
    pub device_id: Option<String>,
    /// The verified number.
    pub phone_number: Option<String>,
    /// The customer's id of the person.
    pub client_human_id: Option<String>,
    /// The client's id of the session.
    pub client_request_id: Option<String>,
    /// Evaluation results (`authentication`, `risk`).
    pub evaluation: Option<Value>,
}

impl UnifyStatusResponse {
    /// `success` is `"true"`.
    pub fn is_success(&self) -> bool {
        self.success == "true"
    }
    /// `success` is `"pending"`.
    pub fn is_pending(&self) -> bool {
        self.success == "pending"
    }
    /// `success` is `"possession_required"`: run your own possession check, then bind.
    pub fn possession_required(&self) -> bool {
        self.success == "possession_required"
    }
}

/// `POST /v3/unify-bind` (customer-supplied possession).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnifyBindRequest {
    /// The session's id.
    pub correlation_id: String,
    /// The number the customer verified.
    pub phone_number: String,
    /// The client's id of the session.
    pub client_request_id: Option<String>,
}

impl UnifyBindRequest {
    /// For the session `correlation_id` and the verified `phone_number`.
    pub fn new(
        correlation_id: impl Into<String>,
        phone_number: impl Into<String>,
    ) -> UnifyBindRequest {
        UnifyBindRequest {
            correlation_id: correlation_id.into(),
            phone_number: phone_number.into(),
            client_request_id: None,
        }
    }
}

/// `POST /v3/device/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeDeviceRequest {
    /// The Prove Key id.
    pub device_id: String,
    /// The client's id of the request.
    pub client_request_id: String,
}

impl RevokeDeviceRequest {
    /// Revokes `device_id`.
    pub fn new(
        device_id: impl Into<String>,
        client_request_id: impl Into<String>,
    ) -> RevokeDeviceRequest {
        RevokeDeviceRequest {
            device_id: device_id.into(),
            client_request_id: client_request_id.into(),
        }
    }
}

/// Response of `POST /v3/device/revoke`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeDeviceResponse {
    /// Whether the key was revoked.
    pub success: bool,
}

/// Response of `GET /v3/identity/{id}`: the identity a flow enrolled, and
/// whatever else the server sent in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityResponse {
    /// The identity's id.
    pub identity_id: Option<String>,
    /// The phone number (E.164).
    pub phone_number: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Date of birth.
    pub dob: Option<String>,
    /// Email addresses.
    #[serde(default)]
    pub email_addresses: Vec<String>,
    /// Postal addresses.
    #[serde(default)]
    pub addresses: Vec<Address>,
    /// The customer's id of the person.
    pub client_human_id: Option<String>,
    /// Any other member.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `POST /sandbox/otp` (sandbox tier): stands for the user typing the SMS code into
/// the client-side SDK. `1234` passes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxOtpRequest {
    /// The `authToken` of start or unify.
    pub auth_token: String,
    /// The code the user typed.
    pub otp: String,
}

/// Response of `POST /sandbox/otp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxOtpResponse {
    /// Whether the code was right.
    pub success: bool,
    /// Re-entries left after a wrong code.
    pub remaining_attempts: Option<u64>,
}

/// Response of `POST /sandbox/instant-link` (sandbox tier): the user clicked the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInstantLinkResponse {
    /// Whether the click counted.
    pub success: bool,
    /// Where the link leads (`finalTargetUrl`).
    pub redirect_url: Option<String>,
}

fn post<B: Serialize>(path: &str, body: &B, auth: Auth) -> Result<Call, Error> {
    let json = idv_core::json::to_string(body)
        .map_err(|e| Error::Config(format!("cannot serialize the request: {e}")))?;
    Ok(Call {
        surface: Surface::Possession,
        method: Method::Post,
        path: path.to_string(),
        body: Body::Json(json.into()),
        auth,
        repeatable: false,
    })
}

impl Client {
    async fn possession<T: DeserializeOwned>(&self, call: Result<Call, Error>) -> Result<T, Error> {
        self.inner.execute(call?).await
    }

    /// `POST /v3/start`: starts a Pre-Fill or Prove Identity flow.
    pub async fn start(&self, req: &StartRequest) -> Result<StartResponse, Error> {
        self.possession(post("/v3/start", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/validate`: checks possession of the phone.
    pub async fn validate(&self, req: &ValidateRequest) -> Result<ValidateResponse, Error> {
        self.possession(post("/v3/validate", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/challenge`: looks up the identity from dob/ssn (Pre-Fill).
    pub async fn challenge(&self, req: &ChallengeRequest) -> Result<ChallengeResponse, Error> {
        self.possession(post("/v3/challenge", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/complete`: verifies the identity the user confirmed.
    pub async fn complete(&self, req: &CompleteRequest) -> Result<CompleteResponse, Error> {
        self.possession(post("/v3/complete", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/unify`: starts a Unified Authentication session.
    pub async fn unify(&self, req: &UnifyRequest) -> Result<UnifyResponse, Error> {
        self.possession(post("/v3/unify", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/unify-status`: reads the session's result. The first successful
    /// read completes the session (it enrols the identity and binds the key), so
    /// like every step it is resent only with its idempotency key.
    pub async fn unify_status(
        &self,
        req: &UnifyStatusRequest,
    ) -> Result<UnifyStatusResponse, Error> {
        self.possession(post("/v3/unify-status", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/unify-bind`: binds a Prove Key after the customer's own possession check.
    pub async fn unify_bind(&self, req: &UnifyBindRequest) -> Result<UnifyStatusResponse, Error> {
        self.possession(post("/v3/unify-bind", req, Auth::PossessionToken))
            .await
    }

    /// `POST /v3/device/revoke`: revokes a Prove Key.
    pub async fn revoke_device(
        &self,
        req: &RevokeDeviceRequest,
    ) -> Result<RevokeDeviceResponse, Error> {
        self.possession(post("/v3/device/revoke", req, Auth::PossessionToken))
            .await
    }

    /// `POST /sandbox/otp` (sandbox tier only): enters the SMS code for the flow of
    /// `auth_token`, as the client-side SDK would.
    pub async fn sandbox_otp(&self, req: &SandboxOtpRequest) -> Result<SandboxOtpResponse, Error> {
        self.possession(post("/sandbox/otp", req, Auth::None)).await
    }

    /// `POST /sandbox/instant-link` (sandbox tier only): clicks the Instant Link of
    /// the flow of `auth_token`.
    pub async fn sandbox_instant_link(
        &self,
        auth_token: &str,
    ) -> Result<SandboxInstantLinkResponse, Error> {
        let body = serde_json::json!({ "authToken": auth_token });
        self.possession(post("/sandbox/instant-link", &body, Auth::None))
            .await
    }

    /// `GET /v3/identity/{id}`: reads an identity.
    pub async fn identity(&self, id: &str) -> Result<IdentityResponse, Error> {
        let call = Call {
            surface: Surface::Possession,
            method: Method::Get,
            path: format!("/v3/identity/{}", encode_segment(id)),
            body: Body::None,
            auth: Auth::PossessionToken,
            repeatable: true,
        };
        self.possession(Ok(call)).await
    }
}

/// Percent-encodes a path segment (everything but unreserved characters).
fn encode_segment(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_camel_case_and_omit_empty() {
        let req = StartRequest::new(FlowType::Desktop)
            .phone_number("2001001695")
            .final_target_url("https://example.com/done");
        let v = idv_core::json::to_value(&req).unwrap();
        assert_eq!(
            v,
            json!({"flowType": "desktop", "phoneNumber": "2001001695", "finalTargetUrl": "https://example.com/done"})
        );
        let mut req = UnifyRequest::new(PossessionType::None, "r-1");
        req.allow_otp_retry = Some(true);
        let v = idv_core::json::to_value(&req).unwrap();
        assert_eq!(
            v,
            json!({"possessionType": "none", "clientRequestId": "r-1", "allowOTPRetry": true})
        );
        let v =
            idv_core::json::to_value(&CompleteRequest::new("c", Individual::default())).unwrap();
        assert_eq!(v, json!({"correlationId": "c"}));
    }

    #[test]
    fn responses_accept_omitted_members() {
        let r: ValidateResponse = serde_json::from_value(
            json!({"success": true, "next": {"v3-challenge": "/v3/challenge"}}),
        )
        .unwrap();
        assert!(r.success && !r.challenge_missing);
        assert!(r.next.contains_key(steps::CHALLENGE));
        let r: IdentityResponse =
            serde_json::from_value(json!({"identityId": "i", "status": "active"})).unwrap();
        assert_eq!(r.identity_id.as_deref(), Some("i"));
        assert_eq!(r.extra["status"], "active");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(encode_segment("abc-123"), "abc-123");
    }
}
