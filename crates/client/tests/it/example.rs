//! `examples/prefill.rs` and `examples/usps1583.rs` run against the real server: each file is included here,
//! so the example CI builds is the code this test executes.

use crate::real::RealServer;

#[path = "../../examples/prefill.rs"]
mod prefill_example;

#[tokio::test]
async fn the_prefill_example_runs_against_the_real_server() {
    let srv = RealServer::start().await;
    let client = srv.client("prefill").await;
    let identity = prefill_example::run(&client)
        .await
        .expect("the example's flow");
    assert!(!identity.is_empty());
}

#[path = "../../examples/usps1583.rs"]
mod usps1583_example;

#[tokio::test]
async fn the_usps1583_example_runs_against_the_real_server() {
    let srv = RealServer::start().await;
    let ws = idv_server::provision::create_workspace(
        srv.state.store.as_ref(),
        "example",
        idv_server::config::Tier::Sandbox,
        idv_server::clock::unix_now(),
    )
    .await
    .expect("workspace");
    let client = idv_client::Client::builder()
        .base_url(&srv.url)
        .api_token(idv_client::ApiToken::new(ws.token.token))
        .build()
        .expect("client");
    let v = usps1583_example::run(&client)
        .await
        .expect("the example's verification");
    assert_eq!(
        v.status,
        idv_client::verification::VerificationStatus::Approved
    );
    let actions: Vec<&str> = v.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create", "upload", "upload", "submit", "decision", "decision"
        ]
    );
    assert_eq!(v.documents.len(), 2);
    assert!(
        v.documents
            .iter()
            .all(|d| d.status == idv_client::verification::DocumentStatus::Approved)
    );
    assert_eq!(v.comments.len(), 1);
}
