//! The lifecycle that exists (create, show, submit, hold, resume, approve,
//! reject, cancel, comments, erasure) and the address blacklist.

use super::{client, entry, identity, usps, workspace};
use crate::real::{RealServer, quick};
use idv_client::ApiToken;
use idv_client::verification::*;

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
    assert!(
        v.url.contains("/api/v1/capture?token=")
            && v.qr_code.contains("/api/v1/capture/qr.png?token="),
        "{} {}",
        v.url,
        v.qr_code
    );
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
    // Every comment, newest first, with its private flag (private = hidden
    // from the end user): the rejection's reason is one.
    let bodies: Vec<(&str, bool)> = shown
        .comments
        .iter()
        .map(|c| (c.body.as_str(), c.private))
        .collect();
    assert_eq!(
        bodies,
        [
            ("internal", true),
            ("Called the customer.", false),
            ("The bill is too old.", false)
        ]
    );

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
