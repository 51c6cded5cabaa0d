//! `GET /docs/`: the reference idv ships, served by the server it describes.
//!
//! Error bodies and the SDK point callers at `/docs/<page>#<entry>` on the
//! server they talk to, so the pages must be there whatever the working
//! directory: `docs/reference/*.md` is embedded in the binary and rendered to
//! HTML once, at the first request. Links between pages are rewritten from
//! `foo.md#x` to `/docs/foo#x`; headings get the anchors GitHub gives them, and
//! the `<a id="…">` anchors the generator writes before each entry pass through,
//! so `/docs/possession#identity_not_found` lands on its entry. The pages are
//! not API operations and stay out of the `OPERATIONS` tables; an unknown page
//! gets the catalogued 404 that any unknown path gets.

use crate::app::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The embedded pages: the name in the URL (`""` is the index) and the Markdown.
const PAGES: &[(&str, &str)] = &[
    ("", include_str!("../../../docs/reference/README.md")),
    (
        "possession",
        include_str!("../../../docs/reference/possession.md"),
    ),
    (
        "possession-endpoints",
        include_str!("../../../docs/reference/possession-endpoints.md"),
    ),
    (
        "verification",
        include_str!("../../../docs/reference/verification.md"),
    ),
    (
        "verification-endpoints",
        include_str!("../../../docs/reference/verification-endpoints.md"),
    ),
    (
        "accounts",
        include_str!("../../../docs/reference/accounts.md"),
    ),
    ("signup", include_str!("../../../docs/reference/signup.md")),
    (
        "signup-endpoints",
        include_str!("../../../docs/reference/signup-endpoints.md"),
    ),
    (
        "firewall",
        include_str!("../../../docs/reference/firewall.md"),
    ),
    ("limits", include_str!("../../../docs/reference/limits.md")),
    (
        "outcomes",
        include_str!("../../../docs/reference/outcomes.md"),
    ),
    (
        "troubleshooting",
        include_str!("../../../docs/reference/troubleshooting.md"),
    ),
];

/// The machine-readable catalogue the index links to, served as it is.
const CATALOG_JSON: &str = include_str!("../../../docs/reference/catalog.json");

/// The routes of the reference: `/docs` (redirects), `/docs/` and `/docs/{page}`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/docs", get(|| async { Redirect::permanent("/docs/") }))
        .route("/docs/", get(index))
        .route("/docs/{page}", get(page))
}

/// Whether the reference has a page at `/docs/{name}`.
pub fn has_page(name: &str) -> bool {
    PAGES.iter().any(|(page, _)| *page == name)
}

/// `GET /docs/`: the index.
async fn index() -> Response {
    page(Path(String::new())).await
}

/// `GET /docs/{page}`: a page, or the catalogued 404.
async fn page(Path(name): Path<String>) -> Response {
    if name == "catalog.json" {
        return with_type(CATALOG_JSON.into(), "application/json");
    }
    match rendered().get(name.as_str()) {
        Some(html) => with_type(html.clone(), "text/html; charset=utf-8"),
        // The same catalogued 404 the router's fallback sends for a path no
        // surface claims.
        None => (crate::app::FALLBACK.unknown_path)(),
    }
}

fn with_type(body: Bytes, content_type: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// Every page as HTML, rendered on first use.
fn rendered() -> &'static HashMap<&'static str, Bytes> {
    static PAGES_HTML: OnceLock<HashMap<&'static str, Bytes>> = OnceLock::new();
    PAGES_HTML.get_or_init(|| {
        PAGES
            .iter()
            .map(|(name, markdown)| (*name, Bytes::from(to_html(markdown))))
            .collect()
    })
}

const CSS: &str = "\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff}\
nav{padding:.6em 1.5em;background:#f6f8fa;border-bottom:1px solid #d0d7de;font-size:.9em}\
nav a{margin-right:1em}\
main{max-width:72em;margin:0 auto;padding:1em 1.5em 4em}\
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}\
h1,h2,h3{line-height:1.25;margin-top:1.6em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3em}\
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:.1em .3em;border-radius:4px}\
pre{background:#f6f8fa;padding:1em;overflow:auto;border-radius:6px}pre code{background:none;padding:0}\
table{border-collapse:collapse;display:block;overflow:auto;margin:1em 0}\
th,td{border:1px solid #d0d7de;padding:.35em .7em;vertical-align:top;text-align:left}\
th{background:#f6f8fa}\
:target{scroll-margin-top:1em}h3:target,a:target+h3{background:#fff8c5}\
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}nav,th,pre{background:#161b22}\
nav,th,td,h2{border-color:#30363d}code{background:#262c36}a{color:#4493f8}h3:target,a:target+h3{background:#3b2e00}}";

/// One page of Markdown as a complete HTML document.
fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events: Vec<Event> = Parser::new_ext(markdown, options).collect();
    let title = add_heading_ids(&mut events);
    for event in &mut events {
        if let Event::Start(Tag::Link { dest_url, .. }) = event {
            if let Some(url) = rewrite_link(dest_url) {
                *dest_url = url.into();
            }
        }
    }
    let mut body = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut body, events.into_iter());
    let nav: String = PAGES
        .iter()
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, _)| format!("<a href=\"/docs/{name}\">{name}</a>"))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · idv reference</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <nav><a href=\"/docs/\"><strong>idv reference</strong></a>{nav}<a href=\"/openapi.json\">openapi.json</a></nav>\n\
         <main>\n{body}</main>\n</body>\n</html>\n",
        title = escape(&title),
    )
}

/// Gives every heading without an id the anchor GitHub would give it, so the
/// `#error-type` links the Markdown already uses work; returns the text of the
/// first heading (the page title).
fn add_heading_ids(events: &mut [Event]) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut title = String::new();
    let mut i = 0;
    while i < events.len() {
        if matches!(events[i], Event::Start(Tag::Heading { .. })) {
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            if title.is_empty() {
                title = text.clone();
            }
            let base = slug(&text);
            let n = seen.entry(base.clone()).or_insert(0);
            let anchor = if *n == 0 { base } else { format!("{base}-{n}") };
            *n += 1;
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                id.get_or_insert(CowStr::from(anchor));
            }
            i = j;
        }
        i += 1;
    }
    title
}

/// GitHub's heading anchor: lower case, punctuation other than `-` and `_`
/// dropped, spaces turned into `-`.
fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// `foo.md#x` → `/docs/foo#x`, `README.md` → `/docs/`, `catalog.json` →
/// `/docs/catalog.json`; `None` for links that stay (anchors, absolute URLs).
fn rewrite_link(url: &str) -> Option<String> {
    if url.starts_with('#') || url.starts_with('/') || url.contains("://") {
        return None;
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, format!("#{f}")),
        None => (url, String::new()),
    };
    let path = path.strip_prefix("./").unwrap_or(path);
    if path.contains('/') {
        return None;
    }
    let page = match path.strip_suffix(".md") {
        Some("README") => "",
        Some(page) => page,
        None if path == "catalog.json" => path,
        None => return None,
    };
    Some(format!("/docs/{page}{fragment}"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_between_pages_point_at_the_served_pages() {
        assert_eq!(
            rewrite_link("possession.md#identity_not_found").as_deref(),
            Some("/docs/possession#identity_not_found")
        );
        assert_eq!(rewrite_link("README.md").as_deref(), Some("/docs/"));
        assert_eq!(
            rewrite_link("catalog.json").as_deref(),
            Some("/docs/catalog.json")
        );
        assert_eq!(rewrite_link("#error-type"), None);
        assert_eq!(rewrite_link("https://example.com/a.md"), None);
    }

    #[test]
    fn headings_get_the_anchors_github_gives_them() {
        assert_eq!(slug("Error type"), "error-type");
        assert_eq!(slug("8011 Identity Not Found"), "8011-identity-not-found");
        assert_eq!(
            slug("HTTP 429 Too Many Requests"),
            "http-429-too-many-requests"
        );
        let html =
            to_html("# T\n\n## Error type\n\n## Error type\n\nsee [x](outcomes.md#risk-levels)\n");
        assert!(html.contains("<h2 id=\"error-type\">"), "{html}");
        assert!(html.contains("<h2 id=\"error-type-1\">"), "{html}");
        assert!(
            html.contains("href=\"/docs/outcomes#risk-levels\""),
            "{html}"
        );
        assert!(html.contains("<title>T · idv reference</title>"), "{html}");
    }

    #[test]
    fn every_reference_page_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reference");
        for entry in std::fs::read_dir(&dir).expect("docs/reference") {
            let name = entry.expect("entry").file_name();
            let name = name.to_string_lossy();
            if let Some(page) = name.strip_suffix(".md") {
                let page = if page == "README" { "" } else { page };
                assert!(
                    PAGES.iter().any(|(p, _)| *p == page),
                    "docs/reference/{name} is not served: add it to PAGES in crates/server/src/docs.rs"
                );
            }
        }
    }
}
