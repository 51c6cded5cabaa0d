//! The SDK against the real idv server: whole Pre-Fill, Prove Identity and Unify
//! flows, token refresh on 401, and a lost response to a step recovered through
//! the idempotency key. Every possession error is in `errors.rs`.

use crate::real::{RealServer, TOD, quick};
use crate::script::{Fault, Proxy};
use idv_client::possession::{
    ChallengeRequest, CompleteRequest, FlowType, PossessionType, RevokeDeviceRequest,
    SandboxOtpRequest, StartRequest, UnifyBindRequest, UnifyRequest, UnifyStatusRequest,
    ValidateRequest, steps,
};
use idv_client::{Client, Error, ErrorId};

pub(crate) fn tod() -> StartRequest {
    StartRequest::new(FlowType::Mobile).phone_number(TOD)
}

/// Runs a whole Pre-Fill flow, following `next`; returns the identity id.
pub(crate) async fn prefill(c: &Client) -> String {
    let p = c.possession();
    let started = p.start(&tod()).await.expect("start");
    assert!(started.next.contains_key(steps::VALIDATE));
    let cid = started.correlation_id;
    let v = p
        .validate(&ValidateRequest::new(&cid))
        .await
        .expect("validate");
    assert!(v.success && v.challenge_missing);
    assert!(v.next.contains_key(steps::CHALLENGE), "{:?}", v.next);
    let ch = p
        .challenge(&ChallengeRequest::new(&cid).dob("1981-01").ssn("0596"))
        .await
        .expect("challenge");
    assert!(ch.success);
    let individual = ch.individual.expect("individual");
    assert_eq!(individual.first_name.as_deref(), Some("Tod"));
    assert!(ch.next.contains_key(steps::COMPLETE));
    let done = p
        .complete(&CompleteRequest::new(&cid, individual))
        .await
        .expect("complete");
    assert!(done.success);
    assert!(done.next.contains_key(steps::DONE));
    assert_eq!(done.change_detected, Some(false));
    done.identity_id.expect("identity id")
}

#[tokio::test]
async fn prefill_flow_runs_through_the_sdk() {
    let srv = RealServer::start().await;
    let c = srv.client("prefill").await;
    let id = prefill(&c).await;
    let identity = c.possession().identity(&id).await.expect("identity");
    assert_eq!(identity.identity_id.as_deref(), Some(id.as_str()));
    assert_eq!(identity.last_name.as_deref(), Some("Weedall"));
    assert_eq!(identity.phone_number.as_deref(), Some("+12001001695"));
    assert_eq!(c.stats().token_fetches, 1);
    let rl = c.rate_limit().expect("X-RateLimit-* after each call");
    assert_eq!(rl.limit, idv_core::limits::POSSESSION_RATE_LIMIT_PER_SECOND);
}

#[tokio::test]
async fn prove_identity_flow_skips_the_challenge() {
    let srv = RealServer::start().await;
    let c = srv.client("identity").await;
    let p = c.possession();
    let started = p.start(&tod()).await.expect("start");
    let cid = started.correlation_id;
    let v = p
        .validate(&ValidateRequest::new(&cid))
        .await
        .expect("validate");
    assert!(v.success);
    assert!(
        v.next.contains_key(steps::COMPLETE) && !v.next.contains_key(steps::CHALLENGE),
        "{:?}",
        v.next
    );
    let individual = idv_client::possession::Individual {
        first_name: Some("Tod".into()),
        last_name: Some("Weedall".into()),
        dob: Some("1981-01".into()),
        ..Default::default()
    };
    let done = p
        .complete(&CompleteRequest::new(&cid, individual))
        .await
        .expect("complete");
    assert!(done.success, "{done:?}");
    assert!(done.next.contains_key(steps::DONE));
}

#[tokio::test]
async fn unify_flows_run_through_the_sdk() {
    let srv = RealServer::start().await;
    let c = srv.client("unify").await;
    let p = c.possession();

    // Lorant on desktop: pending until the Instant Link is clicked; no Prove Key.
    let u = p
        .unify(
            &UnifyRequest::new(PossessionType::Desktop, "req-lorant")
                .phone_number("2001004014")
                .final_target_url("https://example.com/done"),
        )
        .await
        .expect("unify");
    assert_eq!(u.success, "pending");
    let status = p
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.is_pending(), "{status:?}");
    let link = p
        .sandbox_instant_link(u.auth_token.as_deref().expect("auth token"))
        .await
        .expect("click");
    assert!(link.success);
    let status = p
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.is_success(), "{status:?}");
    assert!(status.prove_id.is_some() && status.device_id.is_none());
    assert_eq!(status.client_request_id.as_deref(), Some("req-lorant"));

    // Laney on mobile: the SMS code, then a Prove Key.
    let u = p
        .unify(&UnifyRequest::new(PossessionType::Mobile, "req-laney").phone_number("2001004015"))
        .await
        .expect("unify");
    let otp = p
        .sandbox_otp(&SandboxOtpRequest {
            auth_token: u.auth_token.clone().expect("auth token"),
            otp: "1234".into(),
        })
        .await
        .expect("otp");
    assert!(otp.success);
    let status = p
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.is_success(), "{status:?}");
    let device = status.device_id.clone().expect("a Prove Key on mobile");

    // The key authenticates a new session, until it is revoked.
    let again = p
        .unify(
            &UnifyRequest::new(PossessionType::Mobile, "req-laney-2")
                .phone_number("2001004015")
                .device_id(&device),
        )
        .await
        .expect("unify with the key");
    let status = p
        .unify_status(&UnifyStatusRequest::new(&again.correlation_id))
        .await
        .expect("status");
    assert!(status.is_success());
    let revoked = p
        .revoke_device(&RevokeDeviceRequest::new(&device, "req-revoke"))
        .await
        .expect("revoke");
    assert!(revoked.success);
    let err = p
        .unify(
            &UnifyRequest::new(PossessionType::Mobile, "req-laney-3")
                .phone_number("2001004015")
                .device_id(&device),
        )
        .await
        .expect_err("revoked");
    assert_eq!(err.id(), Some(ErrorId::DeviceRevoked), "{err}");

    // Barbaraanne with customer-supplied possession: possession_required, then bind.
    let u = p
        .unify(&UnifyRequest::new(PossessionType::None, "req-barb").phone_number("2001004018"))
        .await
        .expect("unify");
    let status = p
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.possession_required(), "{status:?}");
    let bound = p
        .unify_bind(&UnifyBindRequest::new(&u.correlation_id, "2001004018"))
        .await
        .expect("bind");
    assert!(bound.is_success() && bound.device_id.is_some(), "{bound:?}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_on_8002() {
    let srv = RealServer::start().await;
    let c = srv.client("prefill").await;
    c.possession().start(&tod()).await.expect("start");
    // The server's clock moves past the token's hour; the client's does not.
    srv.state.clock.advance(3700);
    c.possession()
        .start(&tod())
        .await
        .expect("refreshed after 8002");
    assert_eq!(c.stats().token_fetches, 2);

    // Ten calls meet 8002 at once: one new token for all of them.
    srv.state.clock.advance(3700);
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.possession().start(&tod()).await })
        })
        .collect();
    for call in calls {
        call.await.expect("join").expect("refreshed after 8002");
    }
    assert_eq!(c.stats().token_fetches, 3, "one refresh at a time");
}

#[tokio::test]
async fn a_lost_response_to_a_step_is_recovered_against_the_real_server() {
    let srv = RealServer::start().await;
    let proxy = Proxy::start(srv.addr, "POST /v3/validate", Fault::DropResponse).await;
    let creds = srv.credentials("prefill").await;
    let c = Client::builder()
        .base_url(&proxy.url)
        .credentials(creds.clone())
        .retry(quick())
        .build()
        .expect("client");
    // The server commits the validate step, the connection drops before the
    // answer; the retry carries the same Idempotency-Key and gets the stored
    // answer instead of the replay 403.
    prefill(&c).await;
    assert!(proxy.fired());
    assert_eq!(c.stats().retries, 1);

    // Without the key, the same loss is unrecoverable: the client may not resend.
    let proxy = Proxy::start(srv.addr, "POST /v3/validate", Fault::DropResponse).await;
    let bare = Client::builder()
        .base_url(&proxy.url)
        .credentials(creds)
        .retry(quick())
        .idempotency_keys(false)
        .build()
        .expect("client");
    let s = bare.possession().start(&tod()).await.expect("start");
    let err = bare
        .possession()
        .validate(&ValidateRequest::new(&s.correlation_id))
        .await
        .expect_err("lost");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let again = bare
        .possession()
        .validate(&ValidateRequest::new(&s.correlation_id))
        .await
        .expect_err("a replay by hand meets the 403");
    assert_eq!(again.id(), Some(ErrorId::StepCalledOutOfOrder));
}

/// The possession methods on `Client` itself stay one release as deprecated
/// shims; each still makes its call.
#[tokio::test]
#[allow(deprecated)]
async fn the_deprecated_client_methods_still_make_their_calls() {
    let srv = RealServer::start().await;
    let c = srv.client("prefill").await;
    let s = c.start(&tod()).await.expect("start");
    let cid = s.correlation_id;
    let v = c
        .validate(&ValidateRequest::new(&cid))
        .await
        .expect("validate");
    assert!(v.next.contains_key(steps::CHALLENGE));
    let ch = c
        .challenge(&ChallengeRequest::new(&cid).dob("1981-01").ssn("0596"))
        .await
        .expect("challenge");
    let done = c
        .complete(&CompleteRequest::new(
            &cid,
            ch.individual.expect("individual"),
        ))
        .await
        .expect("complete");
    let id = done.identity_id.expect("identity id");
    assert_eq!(
        c.identity(&id).await.expect("identity").identity_id,
        Some(id)
    );
    let err = c.identity("no-such-identity").await.expect_err("8011");
    assert_eq!(err.id(), Some(ErrorId::IdentityNotFound));

    let c = srv.client("unify").await;
    let u = c
        .unify(
            &UnifyRequest::new(PossessionType::Desktop, "old-lorant")
                .phone_number("2001004014")
                .final_target_url("https://example.com/done"),
        )
        .await
        .expect("unify");
    let link = c
        .sandbox_instant_link(u.auth_token.as_deref().expect("auth token"))
        .await
        .expect("click");
    assert!(link.success);
    let status = c
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.is_success(), "{status:?}");
    let u = c
        .unify(&UnifyRequest::new(PossessionType::Mobile, "old-laney").phone_number("2001004015"))
        .await
        .expect("unify");
    let otp = c
        .sandbox_otp(&SandboxOtpRequest {
            auth_token: u.auth_token.clone().expect("auth token"),
            otp: "1234".into(),
        })
        .await
        .expect("otp");
    assert!(otp.success);
    let u = c
        .unify(&UnifyRequest::new(PossessionType::None, "old-barb").phone_number("2001004018"))
        .await
        .expect("unify");
    let status = c
        .unify_status(&UnifyStatusRequest::new(&u.correlation_id))
        .await
        .expect("status");
    assert!(status.possession_required(), "{status:?}");
    let bound = c
        .unify_bind(&UnifyBindRequest::new(&u.correlation_id, "2001004018"))
        .await
        .expect("bind");
    let device = bound.device_id.expect("a Prove Key");
    let revoked = c
        .revoke_device(&RevokeDeviceRequest::new(&device, "old-revoke"))
        .await
        .expect("revoke");
    assert!(revoked.success);
}
