//! `client.verification()` against the real idv server: the lifecycle that
//! exists (create, show, submit, hold, resume, approve, reject, cancel,
//! comments, erasure), pagination across pages per flow and across flows, a
//! 422 with each field decoded to its entry, another workspace's id as the same
//! 404 as an unknown one, the address blacklist, the API token's 401, and the
//! per-workspace 429 waited out per `Retry-After`.

use crate::real::{RealServer, quick};
use idv_client::verification::{
    Address, CreateVerification, ExpectedData, ExpectedDocument, Flow, ListQuery,
    NewBlacklistEntry, NewComment, Person, VerificationError, VerificationFailure,
    VerificationStatus,
};
use idv_client::{ApiToken, Client, Error, ErrorId, RetryPolicy};
use idv_server::config::Tier;
use idv_server::provision::{NewWorkspace, create_workspace};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A new sandbox workspace of `srv` and its first API token.
async fn workspace(srv: &RealServer) -> NewWorkspace {
    create_workspace(
        srv.state.store.as_ref(),
        "sdk-test",
        Tier::Sandbox,
        idv_server::clock::unix_now(),
    )
    .await
    .expect("create workspace")
}

/// An SDK client of `srv` with `token` and `policy`.
fn client(srv: &RealServer, token: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&srv.url)
        .api_token(ApiToken::new(token))
        .retry(policy)
        .build()
        .expect("client")
}

/// A valid `usps1583` request for `first_name`.
fn usps(first_name: &str) -> CreateVerification {
    CreateVerification::new(
        ExpectedData::new(Person::new(first_name, "Doe").date_of_birth("1990-04-12"))
            .address(Address::new("1 Main St", "Springfield", "62701", "usa").state("IL"))
            .photo_id(
                ExpectedDocument::new("driver license")
                    .number("D1234567")
                    .country("USA"),
            )
            .proof_of_address(ExpectedDocument::new("Utility Bill")),
    )
    .vendor_reference("cust-1042")
}

/// A valid `identity` request.
fn identity() -> CreateVerification {
    CreateVerification::new(
        ExpectedData::new(Person::new("Ida", "Entity"))
            .photo_id(ExpectedDocument::new("Passport").country("GBR")),
    )
}

fn entry(e: &Error) -> VerificationError {
    e.verification_error()
        .unwrap_or_else(|| panic!("not a verification entry: {e}"))
}

#[tokio::test]
async fn the_lifecycle_runs_through_the_sdk() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let api = c.verification();
    let actor = ApiToken::new(&ws.token.token).id().to_string();

    let v = api
        .create(Flow::Usps1583, &usps("Jane"))
        .await
        .expect("create");
    assert!(v.id.starts_with("ver_"), "{}", v.id);
    assert_eq!(v.status, VerificationStatus::Started);
    assert_eq!(v.status_label, "Started");
    assert_eq!(v.flow, Flow::Usps1583);
    assert_eq!(v.vendor_reference.as_deref(), Some("cust-1042"));
    assert!(v.url.contains("/api/v1/capture/") && v.qr_code.ends_with("/qr.png"));
    assert!(v.submitted_at.is_none());
    // The server answers the data as it validated it: canonical spellings.
    let expected = v.expected_data.clone().expect("expected_data");
    assert_eq!(expected.address.expect("address").country, "USA");
    assert_eq!(
        expected.documents.photo_id.expect("photo_id").document_type,
        "Driver License"
    );

    let submitted = api.submit(Flow::Usps1583, &v.id).await.expect("submit");
    assert_eq!(submitted.status, VerificationStatus::Submitted);
    assert!(submitted.submitted_at.is_some());
    // Submitting again is the catalogued business rule, not a success.
    let again = api.submit(Flow::Usps1583, &v.id).await.unwrap_err();
    assert_eq!(
        (again.status(), entry(&again)),
        (Some(400), VerificationError::VerificationAlreadyStarted)
    );

    let held = api.hold(Flow::Usps1583, &v.id).await.expect("hold");
    assert_eq!(held.status, VerificationStatus::Hold);
    // Approving a verification on hold is not allowed, with the action and status named.
    let refused = api.approve(Flow::Usps1583, &v.id).await.unwrap_err();
    assert_eq!(
        entry(&refused),
        VerificationError::VerificationActionNotAllowed {
            action: "approved".into(),
            status: "Hold".into()
        }
    );
    let resumed = api.resume(Flow::Usps1583, &v.id).await.expect("resume");
    assert_eq!(resumed.status, VerificationStatus::Submitted);
    let approved = api.approve(Flow::Usps1583, &v.id).await.expect("approve");
    assert_eq!(approved.status, VerificationStatus::Approved);
    // A repeated approve answers it unchanged (what makes it safe to resend).
    let same = api
        .approve(Flow::Usps1583, &v.id)
        .await
        .expect("approve again");
    assert_eq!(same.status, VerificationStatus::Approved);
    let rejected = api
        .reject(Flow::Usps1583, &v.id, "The bill is too old.")
        .await
        .expect("reject");
    assert_eq!(rejected.status, VerificationStatus::Rejected);

    let public = api
        .comment(
            Flow::Usps1583,
            &v.id,
            &NewComment::new("Called the customer."),
        )
        .await
        .expect("comment");
    assert!(public.id.starts_with("com_") && !public.private);
    assert_eq!(public.actor, actor);
    let private = api
        .comment(Flow::Usps1583, &v.id, &NewComment::private("internal"))
        .await
        .expect("private comment");
    assert!(private.private);

    let shown = api.show(Flow::Usps1583, &v.id).await.expect("show");
    let actions: Vec<&str> = shown.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "submit", "hold", "resume", "approve", "reject"]
    );
    assert!(shown.history.iter().all(|h| h.actor == actor));
    let last = shown.history.last().unwrap();
    assert_eq!(
        (last.from_status, last.to_status),
        (
            Some(VerificationStatus::Approved),
            Some(VerificationStatus::Rejected)
        )
    );
    // Non-private comments only, newest first: the rejection's reason is one.
    let bodies: Vec<&str> = shown.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["Called the customer.", "The bill is too old."]);

    // Cancel, and erasure keeping the status and the history.
    let other = api
        .create(Flow::Identity, &identity())
        .await
        .expect("create");
    assert_eq!(other.flow, Flow::Identity);
    let canceled = api.cancel(Flow::Identity, &other.id).await.expect("cancel");
    assert_eq!(canceled.status, VerificationStatus::Canceled);
    let erased = api.erase(Flow::Usps1583, &v.id).await.expect("erase");
    assert!(erased.expected_data.is_none() && erased.vendor_reference.is_none());
    assert_eq!(erased.status, VerificationStatus::Rejected);
    let shown = api.show(Flow::Usps1583, &v.id).await.expect("show erased");
    assert_eq!(shown.history.last().unwrap().action, "erase");
    assert!(shown.comments.is_empty());
}

#[tokio::test]
async fn pages_are_walked_per_flow_and_across_flows() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let api = c.verification();
    let mut usps_ids = BTreeSet::new();
    for i in 0..7 {
        let v = api
            .create(Flow::Usps1583, &usps(&format!("P{i}")))
            .await
            .expect("create");
        usps_ids.insert(v.id);
    }
    let mut all_ids = usps_ids.clone();
    for _ in 0..2 {
        all_ids.insert(
            api.create(Flow::Identity, &identity())
                .await
                .expect("create")
                .id,
        );
    }

    // usps1583, 3 a page: 3 + 3 + 1, newest first.
    let mut pages = api.pages(Some(Flow::Usps1583), Some(3));
    let (mut sizes, mut seen) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next_page().await {
        let page = page.expect("page");
        assert_eq!(
            (page.meta.total, page.meta.last_page, page.meta.per_page),
            (7, 3, 3)
        );
        assert_eq!(page.meta.current_page, sizes.len() as u64 + 1);
        sizes.push(page.data.len());
        seen.extend(page.data);
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert!(seen.iter().all(|v| v.flow == Flow::Usps1583));
    assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let ids: BTreeSet<String> = seen.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, usps_ids);

    // Every flow, 4 a page, collected: the 9 of them once each.
    let every = api.pages(None, Some(4)).collect().await.expect("collect");
    assert_eq!(every.len(), 9);
    let ids: BTreeSet<String> = every.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, all_ids);

    // One page by number; a page past the end is empty, with the totals.
    let second = api
        .list(Flow::Identity, ListQuery::page(2, 1))
        .await
        .expect("page 2");
    assert_eq!(second.data.len(), 1);
    assert!(!second.has_next() && second.links.prev.is_some());
    let past = api
        .list_all(ListQuery::page(9, 15))
        .await
        .expect("past the end");
    assert!(past.data.is_empty());
    assert_eq!(past.meta.total, 9);

    // A page size out of range is a 422 naming the parameter.
    let e = api
        .list_all(ListQuery {
            page: None,
            per_page: Some(1000),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    let fields = e.field_errors();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "per_page");
    assert!(matches!(
        &fields[0].error,
        Some(VerificationError::FieldInvalid { field, .. }) if field == "per_page"
    ));
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
async fn the_address_blacklist_through_the_sdk() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let api = c.verification();
    let full = api
        .add_to_blacklist(
            &NewBlacklistEntry::default()
                .street("1 Main St")
                .city("Springfield")
                .state("IL")
                .postal_code("62701")
                .country("usa"),
        )
        .await
        .expect("add");
    assert!(full.id.starts_with("abl_"));
    assert_eq!(full.country.as_deref(), Some("USA"));
    let zip = api
        .add_to_blacklist(&NewBlacklistEntry::default().postal_code("10001"))
        .await
        .expect("add a component");
    assert_eq!(zip.street, None);
    let list = api.blacklist().await.expect("list");
    let ids: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&full.id.as_str()) && ids.contains(&zip.id.as_str()));

    let e = api
        .add_to_blacklist(&NewBlacklistEntry::default())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert!(!e.field_errors().is_empty(), "{e}");

    assert_eq!(
        api.remove_from_blacklist(&zip.id).await.expect("remove"),
        zip.id
    );
    let e = api.remove_from_blacklist(&zip.id).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(matches!(
        entry(&e),
        VerificationError::ResourceNotFound { .. }
    ));
    assert_eq!(api.blacklist().await.expect("list").len(), 1);
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
