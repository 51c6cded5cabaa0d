//! The possession surface: typed requests and responses for every route, and
//! [`Possession`], the handle ([`Client::possession`](crate::Client::possession)) whose methods call them.
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

mod deprecated;
mod handle;
mod prefill;
mod sandbox;
mod unify;

pub use handle::Possession;
pub use prefill::{
    Address, ChallengeRequest, ChallengeResponse, CompleteRequest, CompleteResponse, FlowType,
    IdentityResponse, Individual, StartRequest, StartResponse, ValidateRequest, ValidateResponse,
};
pub use sandbox::{SandboxInstantLinkResponse, SandboxOtpRequest, SandboxOtpResponse};
pub use unify::{
    PossessionType, RevokeDeviceRequest, RevokeDeviceResponse, UnifyBindRequest, UnifyRequest,
    UnifyResponse, UnifyStatusRequest, UnifyStatusResponse,
};

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
