//! GET /docs/: the reference the server ships, rendered as HTML pages with the
//! anchors the error bodies and the SDK link to.

use crate::harness::TestServer;

#[tokio::test]
async fn docs_serve_the_reference_with_entry_anchors_and_rewritten_links() {
    let srv = TestServer::start().await;
    let get = |path: &str| srv.http.get(format!("{}{path}", srv.base)).send();

    let r = get("/docs/possession").await.expect("GET /docs/possession");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/html; charset=utf-8"
    );
    assert!(r.headers().contains_key("x-request-id"));
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"), "{}", &html[..80]);
    assert!(html.contains("<title>Phone identity (possession) · idv reference</title>"));
    // The entry's anchor, so /docs/possession#identity_not_found lands on it.
    assert!(html.contains("<a id=\"identity_not_found\"></a>"));
    assert!(html.contains("<h3 id=\"8011-identity-not-found\">"));
    // Heading anchors the Markdown links to, and no link left to a .md file.
    assert!(html.contains("<h2 id=\"error-type\">"));
    assert!(html.contains("href=\"#error-type\""));
    assert!(!html.contains(".md\""), "a link to a .md file is left");

    let r = get("/docs/").await.expect("GET /docs/");
    assert_eq!(r.status(), 200);
    let index = r.text().await.unwrap();
    assert!(index.contains("href=\"/docs/possession\""), "{index}");
    assert!(index.contains("href=\"/docs/catalog.json\""), "{index}");

    // Without the slash: redirected to the index.
    let r = get("/docs").await.expect("GET /docs");
    assert_eq!(r.url().path(), "/docs/");
    assert_eq!(r.status(), 200);

    let r = get("/docs/troubleshooting").await.expect("troubleshooting");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"/docs/possession#"),
        "no rewritten link"
    );

    let r = get("/docs/catalog.json").await.expect("catalog.json");
    assert_eq!(r.status(), 200);
    let catalog: serde_json::Value = r.json().await.expect("catalog.json is JSON");
    assert!(catalog.is_object());

    srv.stop().await;
}

#[tokio::test]
async fn an_unknown_docs_page_gets_the_catalogued_404() {
    let srv = TestServer::start().await;
    for path in ["/docs/nope", "/docs/start"] {
        let r = srv.send(srv.http.get(format!("{}{path}", srv.base))).await;
        assert_eq!(r.status, 404, "{path}");
        let meta = idv_core::ErrorId::UnknownPath.meta();
        let expected: serde_json::Value = serde_json::from_str(meta.examples[0].body).unwrap();
        assert_eq!(r.body, expected, "{path}");
    }
    srv.stop().await;
}

/// The values of `attr="…"` in `html`.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[tokio::test]
async fn every_link_of_the_served_reference_lands_on_a_page_and_an_anchor() {
    let srv = TestServer::start().await;
    let mut pages: std::collections::BTreeMap<String, String> = Default::default();
    let mut queue = vec!["/docs/".to_string()];
    let mut checked = 0;
    while let Some(page) = queue.pop() {
        if pages.contains_key(&page) {
            continue;
        }
        let r = srv
            .http
            .get(format!("{}{page}", srv.base))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200, "{page}");
        let html = r.text().await.unwrap();
        for href in attrs(&html, "href") {
            if let Some(target) = href.strip_prefix("/docs/") {
                let target = target.split('#').next().unwrap_or_default();
                if target != "catalog.json" {
                    queue.push(format!("/docs/{target}"));
                }
            }
        }
        pages.insert(page, html);
    }
    assert!(pages.len() >= 10, "{:?}", pages.keys());
    for (page, html) in &pages {
        for href in attrs(html, "href") {
            let (target, fragment) = match href.split_once('#') {
                Some(("", f)) => (page.as_str(), f),
                Some((t, f)) => (t, f),
                None => continue,
            };
            let Some(target_html) = pages.get(target) else {
                continue;
            };
            assert!(
                attrs(target_html, "id").contains(&fragment),
                "{page}: the link {href} has no anchor to land on"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} anchored links checked");
    srv.stop().await;
}
