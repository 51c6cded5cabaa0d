//! The lifecycle (create, upload the documents, show one, submit, hold,
//! resume, decide on each document until the verification is Approved,
//! approve, reject, cancel, comments, erasure) and the address blacklist.

use super::{client, entry, identity, png, usps, workspace};
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

    // Submit needs every document the flow requires: a 422 on `documents` first.
    let early = api.submit(Flow::Usps1583, &v.id).await.unwrap_err();
    assert_eq!(early.status(), Some(422), "{early}");
    assert!(
        early.field_errors().iter().any(|f| f.field == "documents"),
        "{early}"
    );
    let photo = api
        .upload_document(
            Flow::Usps1583,
            &NewDocument::from_image(&v.id, "PHOTO_ID", "driver license", &png(8, 6))
                .country("USA")
                .back_side_image(&png(6, 4)),
        )
        .await
        .expect("upload the photo ID");
    assert!(photo.id.starts_with("doc_"), "{}", photo.id);
    assert_eq!(
        (
            photo.status,
            photo.document_type.as_str(),
            photo.verification.as_str()
        ),
        (DocumentStatus::Uploaded, "Driver License", v.id.as_str())
    );
    // A second proof of address replaces the first only after deleting it.
    let first = api
        .upload_document(
            Flow::Usps1583,
            &NewDocument::from_image(&v.id, "PROOF_OF_ADDRESS", "Utility Bill", &png(5, 5)),
        )
        .await
        .expect("upload the proof of address");
    let deleted = api
        .delete_document(Flow::Usps1583, &first.id)
        .await
        .expect("delete");
    assert_eq!(deleted.id, first.id);
    assert!(deleted.image_url.is_none());
    let gone = api.document(Flow::Usps1583, &first.id).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    let bill = api
        .upload_document(
            Flow::Usps1583,
            &NewDocument::from_image(&v.id, "PROOF_OF_ADDRESS", "Utility Bill", &png(7, 3)),
        )
        .await
        .expect("upload the proof of address again");
    let read = api
        .document(Flow::Usps1583, &photo.id)
        .await
        .expect("show the document");
    assert_eq!(read.id, photo.id);
    assert!(read.image_url.is_some_and(|u| u.contains("/api/v1/files/")));

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
    // A decision on each document: once both are approved, so is the verification.
    let decided = api
        .decide(
            Flow::Usps1583,
            &NewDecision::new(&photo.id, DecisionStatus::Approved)
                .reason("Matches the expected data.")
                .validation_workflow("SDK test"),
        )
        .await
        .expect("decide on the photo ID");
    assert_eq!(decided.status, DocumentStatus::Approved);
    let decision = decided.decisions.last().expect("a decision");
    assert_eq!(
        (decision.status, decision.validation_workflow.as_str()),
        (DecisionStatus::Approved, "SDK test")
    );
    assert_eq!(
        api.show(Flow::Usps1583, &v.id).await.expect("show").status,
        VerificationStatus::Submitted
    );
    let decided = api
        .decide(
            Flow::Usps1583,
            &NewDecision::new(&bill.id, DecisionStatus::Approved),
        )
        .await
        .expect("decide on the bill");
    assert_eq!(decided.status, DocumentStatus::Approved);
    let approved = api.show(Flow::Usps1583, &v.id).await.expect("show");
    assert_eq!(approved.status, VerificationStatus::Approved);
    // Approving an Approved verification answers it unchanged, with no
    // history row (what makes `approve` safe to resend).
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
        [
            "create",
            "upload",
            "upload",
            "delete_document",
            "upload",
            "submit",
            "hold",
            "resume",
            "decision",
            "decision",
            "reject"
        ]
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
    // Every comment, private ones too (the API token sees them), newest first:
    // the rejection's reason is one.
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
