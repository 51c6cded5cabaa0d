//! The Unify routes: unify, unify-status, unify-bind, and revoking a device's key.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
