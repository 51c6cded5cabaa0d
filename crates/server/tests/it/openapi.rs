//! GET /openapi.json: an OpenAPI 3.1 document built from the possession and
//! verification OPERATIONS tables and the catalogue, kept reviewed by a golden file
//! (`tests/it/golden/openapi.json`; regenerate with `IDV_BLESS=1 cargo test`)
//! and checked by an independent linter (`tools/openapi-lint`, mandatory when
//! `IDV_TEST_OPENAPI_LINT=1`).

use crate::harness::TestServer;
use idv_core::operations::{POSSESSION, VERIFICATION};
use serde_json::Value;
use std::path::{Path, PathBuf};

async fn served_document() -> Value {
    let srv = TestServer::start().await;
    let r = srv
        .send(srv.http.get(format!("{}/openapi.json", srv.base)))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    srv.stop().await;
    r.body
}

#[tokio::test]
async fn openapi_document_matches_the_golden_file_and_covers_the_operations_table() {
    let doc = served_document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["license"]["identifier"], "Apache-2.0");
    assert_eq!(doc["servers"][0]["url"], "http://127.0.0.1:8080");
    for op in POSSESSION.iter().chain(VERIFICATION) {
        let method = op.method.as_str().to_ascii_lowercase();
        let o = &doc["paths"][op.path][&method];
        assert_eq!(o["operationId"], op.id, "{}", op.endpoint());
        assert_eq!(o["summary"], op.summary, "{}", op.endpoint());
        // Every operation can be rate-limited by the edge.
        assert!(o["responses"]["429"].is_object(), "{} has no 429", op.id);
        let security = match op.auth {
            idv_core::operation::AuthKind::AccessToken => serde_json::json!([{"oauth2": []}]),
            idv_core::operation::AuthKind::PersonalAccessToken => {
                serde_json::json!([{"personalAccessToken": []}])
            }
            _ => serde_json::json!([]),
        };
        assert_eq!(o["security"], security, "{}", op.id);
        // The success answer is under the operation's status (201 for a creation).
        assert!(
            o["responses"][op.status.to_string()]["content"].is_object(),
            "{} has no {}",
            op.id,
            op.status
        );
        // Every catalogued error the operation lists appears under its status,
        // with each of its examples.
        for id in op.errors {
            let meta = id.meta();
            let response = &o["responses"][meta.status.to_string()];
            // A header the server sends with the error is declared on its
            // response (Retry-After on the 429 and on the 409 of a request in
            // progress).
            for header in meta.headers {
                assert!(
                    response["headers"][*header].is_object(),
                    "{}: the {} response does not declare {header}, which {} carries",
                    op.id,
                    meta.status,
                    meta.name
                );
            }
            let examples = &response["content"]["application/json"]["examples"];
            let shown = examples
                .as_object()
                .map(|m| m.keys().filter(|k| k.starts_with(meta.name)).count())
                .unwrap_or(0);
            assert_eq!(
                shown,
                meta.examples.len(),
                "{}: {} examples of {} under {}",
                op.id,
                shown,
                meta.name,
                meta.status
            );
        }
    }
    let scheme = &doc["components"]["securitySchemes"]["oauth2"];
    assert_eq!(scheme["flows"]["clientCredentials"]["tokenUrl"], "/token");

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/golden/openapi.json");
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
}

/// The linter installed by `npm ci --prefix tools/openapi-lint`.
fn linter() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/openapi-lint/node_modules/.bin/redocly")
}

#[tokio::test]
async fn openapi_document_passes_the_redocly_lint_with_no_error_and_no_warning() {
    let mandatory = std::env::var("IDV_TEST_OPENAPI_LINT").is_ok_and(|v| v == "1");
    let redocly = linter();
    if !redocly.exists() {
        assert!(
            !mandatory,
            "IDV_TEST_OPENAPI_LINT=1 but the linter is not installed at {}: run `npm ci --prefix tools/openapi-lint`",
            redocly.display()
        );
        eprintln!(
            "skipping the OpenAPI lint: the linter is not installed (run `npm ci --prefix tools/openapi-lint`, and set IDV_TEST_OPENAPI_LINT=1 to make this test mandatory)"
        );
        return;
    }
    let doc = served_document().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let config =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/openapi-lint/redocly.yaml");
    let out = std::process::Command::new(&redocly)
        .arg("lint")
        .arg("--config")
        .arg(&config)
        .arg("--format")
        .arg("json")
        .arg(&file)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", redocly.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the linter's report is not JSON ({e}); exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let totals = &report["totals"];
    assert!(
        totals["errors"] == 0 && totals["warnings"] == 0,
        "the OpenAPI lint found problems ({totals}):\n{}",
        serde_json::to_string_pretty(&report["problems"]).unwrap()
    );
}

#[tokio::test]
async fn openapi_servers_and_reference_links_name_the_configured_public_url() {
    use idv_server::app::{AppState, build_router};
    use idv_server::config::{Region, Tier};
    let db = crate::harness::Db::sqlite();
    let mut state = AppState::new(db.open().await, Region::Us, Tier::Sandbox);
    state.public_url = "https://idv.example.com/".into();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = build_router(state.clone(), axum::Router::new());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let doc: Value = reqwest::get(format!("http://{addr}/openapi.json"))
        .await
        .expect("GET /openapi.json")
        .json()
        .await
        .expect("JSON");
    server.abort();
    state.store.close().await;
    assert_eq!(doc["servers"][0]["url"], "https://idv.example.com");
    assert_eq!(doc["externalDocs"]["url"], "https://idv.example.com/docs/");
    let example = &doc["components"]["examples"]["rate_limit_exceeded"];
    assert!(
        example["description"]
            .as_str()
            .unwrap_or_default()
            .ends_with("Reference: https://idv.example.com/docs/possession#rate_limit_exceeded"),
        "{example}"
    );
}
