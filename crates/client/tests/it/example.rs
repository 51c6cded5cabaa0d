//! `examples/prefill.rs` run against the real server: the file is included here,
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
