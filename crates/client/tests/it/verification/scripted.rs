//! The verification handle against the scripted server (see `script.rs`): what
//! the real server cannot be made to do on demand, a 500 after the request
//! arrived. The surface takes no `Idempotency-Key`, so a create is not resent
//! (it could have created the verification), an approve is (a repeat answers it
//! unchanged); both carry the API token and no key.

use crate::script::{Reply, Scripted};
use idv_client::verification::{
    CreateVerification, ExpectedData, Flow, Person, VerificationError, VerificationFailure,
    VerificationStatus,
};
use idv_client::{ApiToken, Client, ErrorId, RetryPolicy};
use idv_core::operations::VERIFICATION;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "tok_0a1b2c3d4e5f6071|s3cret";
const ID: &str = "ver_6f1c2a9e8d7b4c3a2f1e0d9c8b7a6f5e";

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .api_token(ApiToken::new(TOKEN))
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client")
}

/// The success example of operation `id`, as its status.
fn example(id: &str) -> Reply {
    let op = VERIFICATION.iter().find(|o| o.id == id).expect(id);
    let body: Value = serde_json::from_str(op.response.example).expect("example");
    Reply::json(op.status, body)
}

#[tokio::test]
async fn a_create_that_met_a_500_is_not_resent() {
    let s = Scripted::start().await;
    let path = "/api/v1/usps1583/verifications";
    s.script(path, [Reply::example(ErrorId::ServerError)]);
    s.default(path, example("createVerification"));
    let c = client(&s.url);
    let req = CreateVerification::new(ExpectedData::new(Person::new("Jane", "Doe")));
    let e = c
        .verification()
        .create(Flow::Usps1583, &req)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.verification_error()),
        (Some(500), Some(VerificationError::ServerError))
    );
    let seen = s.seen(path);
    assert_eq!(seen.len(), 1, "not resent: it may have created one");
    assert_eq!(seen[0].idempotency_key, None);
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    // The next call is sent, and answered.
    let v = c
        .verification()
        .create(Flow::Usps1583, &req)
        .await
        .expect("create");
    assert_eq!(v.status, VerificationStatus::Started);
}

#[tokio::test]
async fn an_approve_that_met_a_500_is_resent() {
    let s = Scripted::start().await;
    let path = format!("/api/v1/usps1583/verifications/{ID}/approve");
    s.script(&path, [Reply::example(ErrorId::ServerError)]);
    s.default(&path, example("approveVerification"));
    let c = client(&s.url);
    let v = c
        .verification()
        .approve(Flow::Usps1583, ID)
        .await
        .expect("the retry is answered");
    assert_eq!(v.status, VerificationStatus::Approved);
    let seen = s.seen(&path);
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|r| r.idempotency_key.is_none()));
    assert_eq!(c.stats().retries, 1);
}
