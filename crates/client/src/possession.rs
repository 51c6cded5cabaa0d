//! The possession surface: typed requests and responses for every route, and
//! [`Possession`], the handle ([`Client::possession`]) whose methods call them.
//! The other surfaces get handles of their own, so their calls never collide.
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
//! let possession = client.possession();
//! let start = possession
//!     .start(&StartRequest::new(FlowType::Mobile).phone_number("2001001695"))
//!     .await?;
//! let id = start.correlation_id.clone();
//! let validated = possession.validate(&ValidateRequest::new(&id)).await?;
//! if validated.next.contains_key(steps::CHALLENGE) {
//!     let found = possession
//!         .challenge(&ChallengeRequest::new(&id).dob("1981-01"))
//!         .await?;
//!     let individual = found.individual.unwrap_or_default();
//!     possession.complete(&CompleteRequest::new(&id, individual)).await?;
//! }
//! # Ok(())
//! # }
//! ```

use crate::client::{Body, Call, Client};
use crate::error::Error;
use crate::ops::possession as ops;
use idv_core::operation::Operation;
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
    /// with [`Possession::identity`]).
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

/// The possession surface's calls, from [`Client::possession`]. A borrowed
/// handle: free to make, so make one per use (`client.possession().start(&req)`).
/// Every call goes through the client's one loop (token, pacing, idempotency
/// key, retries), with the method and path of its row in
/// [`idv_core::operations::POSSESSION`].
#[derive(Debug, Clone, Copy)]
pub struct Possession<'a> {
    client: &'a Client,
}

impl<'a> Possession<'a> {
    pub(crate) fn new(client: &'a Client) -> Possession<'a> {
        Possession { client }
    }

    /// The client this handle calls through.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    async fn send<T: DeserializeOwned>(&self, call: Result<Call, Error>) -> Result<T, Error> {
        self.client.inner.execute(call?).await
    }

    /// `POST /v3/start` (`prefillStart`): starts a Pre-Fill or Prove Identity flow.
    pub async fn start(&self, req: &StartRequest) -> Result<StartResponse, Error> {
        self.send(post(ops::START, req)).await
    }

    /// `POST /v3/validate` (`prefillValidate`): checks possession of the phone.
    pub async fn validate(&self, req: &ValidateRequest) -> Result<ValidateResponse, Error> {
        self.send(post(ops::VALIDATE, req)).await
    }

    /// `POST /v3/challenge` (`prefillChallenge`): looks up the identity from
    /// dob/ssn (Pre-Fill).
    pub async fn challenge(&self, req: &ChallengeRequest) -> Result<ChallengeResponse, Error> {
        self.send(post(ops::CHALLENGE, req)).await
    }

    /// `POST /v3/complete` (`prefillComplete`): verifies the identity the user
    /// confirmed.
    pub async fn complete(&self, req: &CompleteRequest) -> Result<CompleteResponse, Error> {
        self.send(post(ops::COMPLETE, req)).await
    }

    /// `POST /v3/unify` (`unifyStart`): starts a Unified Authentication session.
    pub async fn unify(&self, req: &UnifyRequest) -> Result<UnifyResponse, Error> {
        self.send(post(ops::UNIFY, req)).await
    }

    /// `POST /v3/unify-status` (`unifyStatus`): reads the session's result. The
    /// first successful read completes the session (it enrols the identity and
    /// binds the key), so like every step it is resent only with its idempotency
    /// key.
    pub async fn unify_status(
        &self,
        req: &UnifyStatusRequest,
    ) -> Result<UnifyStatusResponse, Error> {
        self.send(post(ops::UNIFY_STATUS, req)).await
    }

    /// `POST /v3/unify-bind` (`unifyBind`): binds a Prove Key after the
    /// customer's own possession check.
    pub async fn unify_bind(&self, req: &UnifyBindRequest) -> Result<UnifyStatusResponse, Error> {
        self.send(post(ops::UNIFY_BIND, req)).await
    }

    /// `POST /v3/device/revoke` (`revokeDevice`): revokes a Prove Key.
    pub async fn revoke_device(
        &self,
        req: &RevokeDeviceRequest,
    ) -> Result<RevokeDeviceResponse, Error> {
        self.send(post(ops::REVOKE_DEVICE, req)).await
    }

    /// `GET /v3/identity/{identityId}` (`getIdentity`): reads an identity. The id
    /// is percent-encoded into the path.
    pub async fn identity(&self, id: &str) -> Result<IdentityResponse, Error> {
        let op = ops::IDENTITY;
        let call = crate::ops::path(op, &[("identityId", id)]).map(|path| Call {
            op,
            path,
            body: Body::None,
            repeatable: true,
        });
        self.send(call).await
    }

    /// `POST /sandbox/otp` (`sandboxOtp`, sandbox tier only): enters the SMS code
    /// for the flow of `auth_token`, as the client-side SDK would.
    pub async fn sandbox_otp(&self, req: &SandboxOtpRequest) -> Result<SandboxOtpResponse, Error> {
        self.send(post(ops::SANDBOX_OTP, req)).await
    }

    /// `POST /sandbox/instant-link` (`sandboxInstantLink`, sandbox tier only):
    /// clicks the Instant Link of the flow of `auth_token`.
    pub async fn sandbox_instant_link(
        &self,
        auth_token: &str,
    ) -> Result<SandboxInstantLinkResponse, Error> {
        let body = serde_json::json!({ "authToken": auth_token });
        self.send(post(ops::SANDBOX_INSTANT_LINK, &body)).await
    }
}

/// A POST of `op` with `body` as JSON, resent only with its idempotency key.
fn post<B: Serialize>(op: &'static Operation, body: &B) -> Result<Call, Error> {
    let json = idv_core::json::to_string(body)
        .map_err(|e| Error::Config(format!("cannot serialize the request: {e}")))?;
    Ok(Call {
        op,
        path: crate::ops::path(op, &[])?,
        body: Body::Json(json.into()),
        repeatable: false,
    })
}

/// The possession calls as methods of [`Client`], from before the per-surface
/// handles. They forward to [`Client::possession`] and go away in the next release.
impl Client {
    /// Use `client.possession().start(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().start(..)")]
    pub async fn start(&self, req: &StartRequest) -> Result<StartResponse, Error> {
        self.possession().start(req).await
    }

    /// Use `client.possession().validate(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().validate(..)")]
    pub async fn validate(&self, req: &ValidateRequest) -> Result<ValidateResponse, Error> {
        self.possession().validate(req).await
    }

    /// Use `client.possession().challenge(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().challenge(..)")]
    pub async fn challenge(&self, req: &ChallengeRequest) -> Result<ChallengeResponse, Error> {
        self.possession().challenge(req).await
    }

    /// Use `client.possession().complete(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().complete(..)")]
    pub async fn complete(&self, req: &CompleteRequest) -> Result<CompleteResponse, Error> {
        self.possession().complete(req).await
    }

    /// Use `client.possession().unify(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().unify(..)")]
    pub async fn unify(&self, req: &UnifyRequest) -> Result<UnifyResponse, Error> {
        self.possession().unify(req).await
    }

    /// Use `client.possession().unify_status(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().unify_status(..)")]
    pub async fn unify_status(
        &self,
        req: &UnifyStatusRequest,
    ) -> Result<UnifyStatusResponse, Error> {
        self.possession().unify_status(req).await
    }

    /// Use `client.possession().unify_bind(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().unify_bind(..)")]
    pub async fn unify_bind(&self, req: &UnifyBindRequest) -> Result<UnifyStatusResponse, Error> {
        self.possession().unify_bind(req).await
    }

    /// Use `client.possession().revoke_device(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().revoke_device(..)")]
    pub async fn revoke_device(
        &self,
        req: &RevokeDeviceRequest,
    ) -> Result<RevokeDeviceResponse, Error> {
        self.possession().revoke_device(req).await
    }

    /// Use `client.possession().sandbox_otp(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().sandbox_otp(..)")]
    pub async fn sandbox_otp(&self, req: &SandboxOtpRequest) -> Result<SandboxOtpResponse, Error> {
        self.possession().sandbox_otp(req).await
    }

    /// Use `client.possession().sandbox_instant_link(..)`.
    #[deprecated(
        since = "0.1.0",
        note = "use client.possession().sandbox_instant_link(..)"
    )]
    pub async fn sandbox_instant_link(
        &self,
        auth_token: &str,
    ) -> Result<SandboxInstantLinkResponse, Error> {
        self.possession().sandbox_instant_link(auth_token).await
    }

    /// Use `client.possession().identity(..)`.
    #[deprecated(since = "0.1.0", note = "use client.possession().identity(..)")]
    pub async fn identity(&self, id: &str) -> Result<IdentityResponse, Error> {
        self.possession().identity(id).await
    }
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
}
