//! [`Possession`], the handle `client.possession()` returns: one method per call,
//! each with the method and path of its row in idv-core's operations table.

use super::*;
use crate::client::{Body, Call, Client};
use crate::error::Error;
use crate::ops::possession as ops;
use idv_core::operation::Operation;
use serde::Serialize;
use serde::de::DeserializeOwned;

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
