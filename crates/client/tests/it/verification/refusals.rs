//! What the server refuses: a 422 field by field, another workspace's id,
//! a wrong or missing API token, and the per-workspace 429.

use super::{client, entry, png, usps, workspace};
use crate::real::{RealServer, quick};
use idv_client::verification::*;
use idv_client::{ApiToken, Client, Error, ErrorId, RetryPolicy};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_refused_upload_names_the_image_member() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let api = c.verification();
    let v = api
        .create(Flow::Usps1583, &usps("Jane"))
        .await
        .expect("create");
    // Bytes that are not a PNG or a JPEG, and a back side that is not base64.
    let bad = NewDocument::from_image(&v.id, "PHOTO_ID", "Driver License", b"not an image")
        .back_side("%%%");
    let e = api.upload_document(Flow::Usps1583, &bad).await.unwrap_err();
    assert_eq!(e.status(), Some(422), "{e}");
    let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
    assert!(
        fields.iter().any(|f| f == "document.image")
            && fields.iter().any(|f| f == "back_side_data"),
        "{fields:?}"
    );
    // Nothing was kept: a good image for the same context is accepted.
    let good = NewDocument::from_image(&v.id, "PHOTO_ID", "Driver License", &png(4, 4));
    api.upload_document(Flow::Usps1583, &good)
        .await
        .expect("upload after the refusal");
}

#[tokio::test]
async fn a_refused_create_lists_each_field_with_its_entry() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let mut bad = usps("");
    bad.expected_data.person.date_of_birth = Some("1990-02-30".into());
    bad.expected_data.address.as_mut().unwrap().country = "XX".into();
    bad.expected_data.documents.proof_of_address = Some(ExpectedDocument::new("Spaceship"));
    let e = c
        .verification()
        .create(Flow::Usps1583, &bad)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert_eq!(e.id().map(|id| id.meta().status), Some(422));
    let by_field: Vec<(String, Option<VerificationError>)> = e
        .field_errors()
        .into_iter()
        .map(|f| {
            assert!(!f.message.is_empty());
            (f.field, f.error)
        })
        .collect();
    let find = |name: &str| {
        by_field
            .iter()
            .find(|(f, _)| f == name)
            .unwrap_or_else(|| panic!("no {name} in {by_field:?}"))
            .1
            .clone()
    };
    assert_eq!(
        find("expected_data.person.first_name"),
        Some(VerificationError::FieldRequired {
            field: "expected_data.person.first_name".into()
        })
    );
    assert!(matches!(
        find("expected_data.person.date_of_birth"),
        Some(VerificationError::FieldInvalid { .. })
    ));
    assert!(matches!(
        find("expected_data.address.country"),
        Some(VerificationError::FieldInvalid { .. })
    ));
    assert_eq!(
        find("expected_data.documents.proof_of_address.type"),
        Some(VerificationError::DocumentTypeNotInFlow {
            field: "expected_data.documents.proof_of_address.type".into()
        })
    );
    // The error itself is the first field's entry.
    assert_eq!(e.verification_error(), by_field[0].1.clone());
    // Nothing was stored.
    let page = c
        .verification()
        .list_all(ListQuery::default())
        .await
        .expect("list");
    assert_eq!(page.meta.total, 0);
}

#[tokio::test]
async fn another_workspace_s_id_is_the_same_404_as_an_unknown_one() {
    let srv = RealServer::start().await;
    let (a, b) = (workspace(&srv).await, workspace(&srv).await);
    let ca = client(&srv, &a.token.token, quick());
    let cb = client(&srv, &b.token.token, quick());
    let v = ca
        .verification()
        .create(Flow::Usps1583, &usps("Jane"))
        .await
        .expect("create");
    let not_found = VerificationError::ResourceNotFound {
        resource: "Verification".into(),
    };
    for id in [v.id.as_str(), "ver_00000000000000000000000000000000"] {
        let e = cb
            .verification()
            .show(Flow::Usps1583, id)
            .await
            .unwrap_err();
        assert_eq!(
            (e.status(), entry(&e)),
            (Some(404), not_found.clone()),
            "{id}"
        );
        assert_eq!(e.to_string(), "HTTP 404: Verification not found.");
        let e = cb
            .verification()
            .cancel(Flow::Usps1583, id)
            .await
            .unwrap_err();
        assert_eq!(entry(&e), not_found, "{id}");
    }
    // B's list does not show it; A's id in the other flow is the flow's 400.
    let page = cb
        .verification()
        .list(Flow::Usps1583, ListQuery::default())
        .await
        .expect("list");
    assert_eq!(page.meta.total, 0);
    let e = ca
        .verification()
        .show(Flow::Identity, &v.id)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), entry(&e)),
        (Some(400), VerificationError::InvalidVerificationFlow)
    );
    // And it is untouched.
    let still = ca
        .verification()
        .show(Flow::Usps1583, &v.id)
        .await
        .expect("show");
    assert_eq!(still.status, VerificationStatus::Started);
}

#[tokio::test]
async fn a_wrong_or_missing_api_token() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let id = ApiToken::new(&ws.token.token).id().to_string();
    for token in [format!("{id}|wrong"), "garbage".to_string()] {
        let c = client(&srv, &token, quick());
        let e = c
            .verification()
            .list_all(ListQuery::default())
            .await
            .unwrap_err();
        assert_eq!(
            (e.status(), e.id(), entry(&e)),
            (
                Some(401),
                Some(ErrorId::Unauthenticated),
                VerificationError::Unauthenticated
            )
        );
        assert_eq!(c.stats().requests, 1, "a 401 is not retried");
    }
    // A client built without a token says so before sending anything.
    let c = Client::builder().base_url(&srv.url).build().unwrap();
    let e = c.verification().blacklist().await.unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert!(e.to_string().contains("api_token"), "{e}");
    assert_eq!(c.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_s_429_is_waited_out_per_retry_after() {
    const CALLS: usize = 32;
    let srv = RealServer::start().await;

    // Without retries, a burst over the 25 a second meets the 429 and its headers.
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, RetryPolicy::none());
    let results = burst(&c, CALLS).await;
    let refused: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(!refused.is_empty(), "the burst met no 429");
    for e in &refused {
        assert_eq!(
            (e.status(), entry(e)),
            (Some(429), VerificationError::TooManyRequests)
        );
        assert!(e.retry_after().is_some_and(|d| d >= Duration::from_secs(1)));
        assert_eq!(
            e.rate_limit().map(|r| (r.limit, r.remaining)),
            Some((25, 0))
        );
    }

    // With the default policy every call succeeds, after waiting Retry-After.
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, RetryPolicy::default());
    let t = Instant::now();
    let results = burst(&c, CALLS).await;
    let elapsed = t.elapsed();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stats = c.stats();
    assert!(stats.rate_limited > 0 && stats.retries > 0, "{stats:?}");
    assert!(
        elapsed >= Duration::from_secs(1),
        "the retried calls waited Retry-After: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    eprintln!(
        "{CALLS} calls at once: {} × 429 waited out, {elapsed:?}",
        stats.rate_limited
    );
}

/// `n` blacklist reads at once through `c`.
async fn burst(c: &Client, n: usize) -> Vec<Result<usize, Error>> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.verification().blacklist().await.map(|l| l.len()) })
        })
        .collect();
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.expect("join"));
    }
    out
}
