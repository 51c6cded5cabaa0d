//! A real browser proves the 418: headless Chromium (Debian's `chromium`)
//! opens a page served on loopback from another origin, whose script calls
//! `POST /1-click` with the API key and writes what it got into the page; the
//! DOM Chromium dumps shows the script read the 418 and its body (the
//! firewall's answers carry CORS headers, and it lets the preflight through).
//!
//! `IDV_TEST_BROWSER=1` (set by `.ci/run`) makes the test mandatory; without
//! it the test runs when `chromium` is on PATH and is skipped, with the reason
//! on stderr, when it is not.

use super::brand;
use crate::harness::TestServer;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The Chromium to run, or why there is none (`Err` is the skip reason).
fn chromium() -> Result<&'static str, String> {
    let required = std::env::var("IDV_TEST_BROWSER").is_ok_and(|v| v == "1");
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match (found, required) {
        (true, _) => Ok("chromium"),
        (false, true) => panic!(
            "IDV_TEST_BROWSER=1 but chromium is not on PATH: apt-get install -y chromium"
        ),
        (false, false) => Err(
            "skipping the browser test: chromium is not on PATH (apt-get install -y chromium; IDV_TEST_BROWSER=1 makes it mandatory)"
                .into(),
        ),
    }
}

/// The page: its script calls the API with the key and writes the status and
/// body it read, or the network error, into `#out`.
fn page(api: &str, key: &str) -> String {
    format!(
        r#"<!doctype html><html><body><pre id="out">pending</pre><script>
fetch("{api}/1-click", {{
  method: "POST",
  headers: {{"Authorization": "{key}", "Content-Type": "application/json"}},
  body: JSON.stringify({{"phone": "+10123456789"}})
}}).then(async r => {{
  document.getElementById("out").textContent = "status " + r.status + " body " + await r.text();
}}).catch(e => {{
  document.getElementById("out").textContent = "network error " + e;
}});
</script></body></html>"#
    )
}

#[tokio::test]
async fn a_script_in_chromium_reads_the_418_of_a_key_used_client_side() {
    let browser = match chromium() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("{why}");
            return;
        }
    };
    let srv = TestServer::start().await;
    let k = brand(&srv, "non-hosted").await;
    // The page's origin: another port on loopback.
    let html = page(&srv.base, &k.api_key);
    let site = Router::new().route("/", get(move || async move { Html(html) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let site_task = tokio::spawn(async move { axum::serve(listener, site).await });
    let profile = tempfile::tempdir().unwrap();
    let url = format!("{origin}/");
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--virtual-time-budget=15000",
        &format!("--user-data-dir={}", profile.path().display()),
        "--dump-dom",
        &url,
    ]
    .map(str::to_string);
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new(browser)
            .args(args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("chromium finishes within 90 s")
    .expect("chromium runs");
    site_task.abort();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(r#"status 418 body {"error":"Request blocked by firewall","message":"Your request was blocked by our firewall because your API key is being used client side."#),
        "the script did not read the 418 body; DOM:\n{dom}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The firewall recorded the preflight and the request, and flagged the key.
    let events = srv.state.store.firewall_events(10).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"client_side") && kinds.contains(&"preflight"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .all(|e| e.origin.as_deref() == Some(origin.as_str())),
        "{events:?}"
    );
    let key = srv
        .state
        .store
        .get_api_key_by_id(&k.key_id)
        .await
        .unwrap()
        .unwrap();
    assert!(key.flagged_at.is_some());
    srv.stop().await;
}
