//! GET /openapi.json: an OpenAPI 3.1 document for every route, with the
//! catalogue's error responses, kept reviewed by a golden file
//! (`tests/it/golden/openapi.json`; regenerate with `IDV_BLESS=1 cargo test`).

use crate::harness::TestServer;
use idv_core::{ErrorId, Surface};

#[tokio::test]
async fn openapi_document_matches_the_golden_file_and_covers_the_catalogue() {
    let srv = TestServer::start().await;
    let r = srv
        .send(srv.http.get(format!("{}/openapi.json", srv.base)))
        .await;
    assert_eq!(r.status, 200);
    let doc = r.body;
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in [
        ("post", "/token"),
        ("post", "/v3/start"),
        ("post", "/v3/validate"),
        ("post", "/v3/challenge"),
        ("post", "/v3/complete"),
        ("post", "/v3/unify"),
        ("post", "/v3/unify-status"),
        ("post", "/v3/unify-bind"),
        ("post", "/v3/device/revoke"),
        ("get", "/v3/identity/{identityId}"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    // Every possession entry's example appears under its status somewhere.
    let text = doc.to_string();
    for id in ErrorId::ALL
        .iter()
        .filter(|id| id.meta().surface == Surface::Possession)
    {
        assert!(
            text.contains(&format!("\"{}", id.meta().name)),
            "{id} has no example in the document"
        );
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden/openapi.json");
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("IDV_BLESS").is_some() {
        std::fs::write(&path, &pretty).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        golden == pretty,
        "the OpenAPI document changed: review it and run `IDV_BLESS=1 cargo test -p idv-server --test it openapi` to update {}",
        path.display()
    );
    srv.stop().await;
}
