//! The sandbox tier's stand-ins for the user: typing the SMS code, clicking the link.

use serde::{Deserialize, Serialize};

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
