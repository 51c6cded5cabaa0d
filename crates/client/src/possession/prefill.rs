//! The Pre-Fill and Prove Identity routes: start, validate, challenge, complete,
//! and the enrolled identity.

use super::Next;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// How possession is established at `POST /v3/start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowType {
    /// Instant Link by SMS; needs `finalTargetUrl`.
    Desktop,
    /// Mobile Auth, falling back to an SMS one-time code.
    Mobile,
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
