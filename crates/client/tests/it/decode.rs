//! Every catalogue example of every surface, as a response, decodes to its entry
//! with its parameters, and the error shows its code and message. Plus what the
//! catalogue does not know: unknown codes and bodies that are not error bodies.

use idv_client::{Error, ErrorId, Retry, Surface};
use idv_core::PossessionError;
use idv_core::ratelimit::format_http_date;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn check_example(id: ErrorId, surface: Surface, headers: &[(&str, &str)], body: &str) {
    let meta = id.meta();
    let err = Error::from_response(surface, meta.status, headers, body.as_bytes());
    let api = err
        .api()
        .unwrap_or_else(|| panic!("{id}: decoded as {err:?}"));
    let wire: Value = serde_json::from_str(body).expect("example body is JSON");
    assert_eq!(api.id(), id, "{body}");
    assert_eq!(api.status(), meta.status);
    assert_eq!(api.code(), meta.code);
    assert_eq!(api.message(), wire["message"].as_str().expect("message"));
    assert_eq!(api.retry(), meta.retry);
    assert_eq!(err.retry_class(), meta.retry);
    assert_eq!(api.resolution(), meta.resolution);
    // Decoded without a client, the error knows no server: the link is the
    // server-relative path of the entry on its surface's reference page.
    let page = meta.surface.name();
    assert_eq!(api.docs_path(), format!("/docs/{page}#{}", meta.name));
    assert_eq!(api.docs_url(), api.docs_path());
    assert_reference_has_anchor(page, meta.name);
    assert_eq!(api.body(), &wire);
    let shown = err.to_string();
    assert!(shown.contains(api.message()), "{shown}");
    match meta.code {
        Some(code) => assert!(shown.starts_with(&format!("{code}: ")), "{shown}"),
        None => assert!(shown.starts_with(&format!("HTTP {}: ", meta.status))),
    }
    let retry_after = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| Duration::from_secs(v.parse().expect("seconds")));
    assert_eq!(api.retry_after(), retry_after);
    if meta.retry == Retry::AfterRetryAfter {
        assert!(err.is_retryable());
    }
}

/// The page `docs_url()` points at is the generated reference the server serves
/// under `/docs/`, and it has the entry's anchor.
fn assert_reference_has_anchor(page: &str, anchor: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/reference")
        .join(format!("{page}.md"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains(&format!("id=\"{anchor}\"")),
        "{} has no anchor {anchor}",
        path.display()
    );
}

#[test]
fn every_catalogue_example_of_every_surface_decodes_to_its_entry() {
    let mut checked = 0;
    let mut surfaces = std::collections::BTreeSet::new();
    for &id in ErrorId::ALL {
        let meta = id.meta();
        for ex in meta.examples {
            let headers: Vec<(&str, &str)> = ex.headers.to_vec();
            check_example(id, meta.surface, &headers, ex.body);
            let params: Value = serde_json::from_str(ex.params).expect("params");
            let err = Error::from_response(meta.surface, meta.status, &headers, ex.body.as_bytes());
            let api = err.api().expect("api");
            assert_eq!(&Value::Object(api.params().clone()), &params, "{id} params");
            for p in meta.params.iter().filter(|p| p.wire.is_some()) {
                assert_eq!(
                    api.data(p.wire.expect("wire")),
                    params.get(p.name),
                    "{id}.{}",
                    p.name
                );
            }
            checked += 1;
            surfaces.insert(meta.surface);
        }
    }
    assert!(checked >= ErrorId::ALL.len());
    assert_eq!(surfaces.len(), Surface::ALL.len(), "{surfaces:?}");
}

#[test]
fn firewall_bodies_decode_on_the_signup_surface_it_guards() {
    for &id in ErrorId::ALL
        .iter()
        .filter(|id| id.meta().surface == Surface::Firewall)
    {
        for ex in id.meta().examples {
            check_example(id, Surface::Signup, ex.headers, ex.body);
        }
    }
}

#[test]
fn possession_errors_convert_to_the_typed_enum_with_their_data() {
    let body = br#"{"code": 8003, "message": "step called out of order", "next": {"v3-challenge": "/v3/challenge"}}"#;
    let err = Error::from_response(Surface::Possession, 403, &[], body);
    let api = err.api().expect("api");
    assert_eq!(api.next().expect("next")["v3-challenge"], "/v3/challenge");
    match api.typed::<PossessionError>().expect("typed") {
        PossessionError::StepCalledOutOfOrder { next } => {
            assert_eq!(next["v3-challenge"], "/v3/challenge")
        }
        other => panic!("{other:?}"),
    }
    let body = br#"{"code": 8001, "message": "malformed request: phoneNumber: must be 10 digits or E.164"}"#;
    let err = Error::from_response(Surface::Possession, 400, &[], body);
    match err
        .api()
        .expect("api")
        .typed::<PossessionError>()
        .expect("typed")
    {
        PossessionError::MalformedRequest { reasons } => {
            assert_eq!(reasons, "phoneNumber: must be 10 digits or E.164")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_headers_are_kept() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let date = format_http_date(now + 30);
    let headers = [
        ("x-request-id", "req-42"),
        ("X-RateLimit-Limit", "25"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "1767225601"),
        ("Retry-After", date.as_str()),
    ];
    let body = br#"{"code": 8018, "message": "Rate limit exceeded. Please wait before making more requests."}"#;
    let err = Error::from_response(Surface::Possession, 429, &headers, body);
    assert_eq!(err.id(), Some(ErrorId::RateLimitExceeded));
    assert_eq!(err.request_id(), Some("req-42"));
    let rl = err.rate_limit().expect("rate limit");
    assert_eq!((rl.limit, rl.remaining, rl.reset), (25, 0, 1_767_225_601));
    let after = err.retry_after().expect("retry after").as_secs();
    assert!((29..=30).contains(&after), "{after}");
}

#[test]
fn unknown_codes_are_kept_whole_on_every_coded_dialect() {
    let err = Error::from_response(
        Surface::Possession,
        400,
        &[],
        br#"{"code": 8099, "message": "a newer error", "hint": 1}"#,
    );
    let Error::Unknown(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u.code.as_deref(), Some("8099"));
    assert_eq!(u.message, "a newer error");
    assert_eq!(u.body["hint"], 1);
    assert_eq!(err.code().as_deref(), Some("8099"));
    assert!(err.to_string().starts_with("8099: a newer error"), "{err}");
    assert!(!err.is_retryable());

    let body = br#"{"name": "BadRequest", "message": "brand new", "code": 400, "className": "bad-request", "data": {"errorCode": "OCE999"}}"#;
    let err = Error::from_response(Surface::Signup, 400, &[], body);
    assert_eq!(err.code().as_deref(), Some("OCE999"), "{err:?}");
    assert!(err.to_string().starts_with("OCE999: brand new"), "{err}");

    let err = Error::from_response(
        Surface::Verification,
        418,
        &[],
        br#"{"message": "I'm a teapot."}"#,
    );
    assert!(matches!(err, Error::Unknown(_)), "{err:?}");
    assert_eq!(err.status(), Some(418));
    assert!(err.to_string().contains("I'm a teapot."), "{err}");

    let err = Error::from_response(
        Surface::Possession,
        503,
        &[],
        br#"{"code": 8999, "message": "overloaded"}"#,
    );
    assert!(err.is_retryable(), "an unknown 5xx backs off");
}

#[test]
fn bodies_that_are_not_error_bodies_are_undecodable_with_their_first_bytes() {
    let html = format!("<html>{}</html>", "x".repeat(2000));
    let err = Error::from_response(Surface::Possession, 502, &[], html.as_bytes());
    let Error::Undecodable(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u.info.status, 502);
    assert_eq!(u.body_prefix.len(), idv_client::error::BODY_PREFIX_BYTES);
    assert!(u.body_prefix_lossy().starts_with("<html>xxx"));
    assert!(
        err.to_string()
            .starts_with("HTTP 502: undecodable body: <html>")
    );
    assert!(err.is_retryable(), "a 502 from a proxy backs off");

    let err = Error::from_response(Surface::Possession, 400, &[], br#"[1, 2]"#);
    assert!(matches!(err, Error::Undecodable(_)), "{err:?}");
    assert!(!err.is_retryable());
    let err = Error::from_response(Surface::Possession, 400, &[], br#"{"code": 8001}"#);
    assert!(matches!(err, Error::Undecodable(_)), "{err:?}");
}
