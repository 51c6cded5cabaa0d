//! The possession calls as methods of `Client`, from before the per-surface
//! handles: deprecated shims that forward to `client.possession()`.

use super::*;
use crate::client::Client;
use crate::error::Error;

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
