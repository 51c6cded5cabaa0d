//! Tests of the status rules. The status numbers and labels are the vendor's
//! (Colleckt's status tables); the lifecycle matrix is read cell by cell from
//! docs/guides/verification.md, the table users read, not derived from `RULES`.

use super::*;
use DecisionStatus as D;
use DocumentStatus as Doc;

#[test]
fn status_numbers_and_labels_are_the_vendors() {
    let verification = [
        (1, "Started"),
        (2, "Submitted"),
        (3, "Approved"),
        (4, "Rejected"),
        (5, "Double Check"),
        (6, "Expired"),
        (7, "Canceled"),
        (8, "Hold"),
    ];
    assert_eq!(VerificationStatus::ALL.len(), verification.len());
    for (n, label) in verification {
        assert_eq!(
            VerificationStatus::from_value(n).map(|s| s.label()),
            Some(label)
        );
    }
    let document = [
        (1, "Uploaded"),
        (2, "In progress"),
        (3, "Approved"),
        (4, "Rejected"),
        (5, "Double check"),
        (6, "Canceled"),
        (7, "Extracted"),
    ];
    assert_eq!(DocumentStatus::ALL.len(), document.len());
    for (n, label) in document {
        assert_eq!(
            DocumentStatus::from_value(n).map(|s| s.label()),
            Some(label)
        );
    }
    let decision = [
        (1, "APPROVED"),
        (2, "REJECTED"),
        (3, "DOUBLE_CHECK"),
        (4, "CANCELED"),
    ];
    for (n, wire) in decision {
        assert_eq!(DecisionStatus::from_value(n).map(|s| s.wire()), Some(wire));
    }
}

/// The lifecycle table of docs/guides/verification.md, the page users read:
/// for each action, the outcome from each status 1–8. `→ N` moves to status N,
/// `→ held` back to the status before the hold, `=` is a 200 that changes
/// nothing, `started` and `canceled` are the API's 400s, `no` is
/// verification_action_not_allowed.
fn documented_matrix() -> Vec<(String, Vec<String>)> {
    let guide = include_str!("../../../../docs/guides/verification.md");
    let start = guide
        .find("<!-- lifecycle table")
        .expect("the guide marks its lifecycle table");
    guide[start..]
        .lines()
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].clone(), cells[1..].to_vec())
        })
        .collect()
}

#[test]
fn lifecycle_matrix_is_the_documented_one() {
    let matrix = documented_matrix();
    let names: Vec<&str> = matrix.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>()
    );
    for (name, row) in &matrix {
        let action = Action::from_name(name).expect(name);
        assert_eq!(row.len(), 8, "{name}: one cell per status");
        for (i, want) in row.iter().enumerate() {
            let current = VerificationStatus::from_value(i as i64 + 1).unwrap();
            let got = apply(action, current, Some(VerificationStatus::DoubleCheck));
            let expected = match want.as_str() {
                "=" => Ok(Transition::Unchanged),
                "started" => Err(VerificationError::VerificationAlreadyStarted),
                "canceled" => Err(VerificationError::VerificationCanceled),
                "no" => Err(VerificationError::VerificationActionNotAllowed {
                    action: action.done().into(),
                    status: current.label().into(),
                }),
                "→ held" => Ok(Transition::To(VerificationStatus::DoubleCheck)),
                to => {
                    let n = to
                        .strip_prefix("→ ")
                        .and_then(|n| n.parse().ok())
                        .expect(to);
                    Ok(Transition::To(VerificationStatus::from_value(n).unwrap()))
                }
            };
            assert_eq!(got, expected, "{name} from {}", current.label());
        }
    }
}

#[test]
fn refusal_messages() {
    use idv_core::CatalogError;
    let msg = |a, s| apply(a, s, None).unwrap_err().message();
    assert_eq!(
        msg(Action::Approve, VerificationStatus::Started),
        "The verification cannot be approved while it is Started."
    );
    assert_eq!(
        msg(Action::Resume, VerificationStatus::DoubleCheck),
        "The verification cannot be resumed while it is Double Check."
    );
    assert_eq!(
        msg(Action::Hold, VerificationStatus::Expired),
        "The verification cannot be held while it is Expired."
    );
    assert_eq!(
        msg(Action::Submit, VerificationStatus::Submitted),
        "The verification has already started."
    );
    assert_eq!(
        msg(Action::Reject, VerificationStatus::Canceled),
        "The verification is canceled."
    );
    for e in [
        apply(Action::Approve, VerificationStatus::Started, None).unwrap_err(),
        apply(Action::Submit, VerificationStatus::Hold, None).unwrap_err(),
        apply(Action::Submit, VerificationStatus::Canceled, None).unwrap_err(),
    ] {
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn resume_returns_to_the_status_the_hold_interrupted() {
    let resume = |from| apply(Action::Resume, VerificationStatus::Hold, from);
    for s in [
        VerificationStatus::Started,
        VerificationStatus::Submitted,
        VerificationStatus::DoubleCheck,
    ] {
        assert_eq!(resume(Some(s)), Ok(Transition::To(s)));
    }
    // No record, or one no hold could have come from: back to Started.
    assert_eq!(
        resume(None),
        Ok(Transition::To(VerificationStatus::Started))
    );
    assert_eq!(
        resume(Some(VerificationStatus::Approved)),
        Ok(Transition::To(VerificationStatus::Started))
    );
}

#[test]
fn documents_change_only_while_started() {
    assert_eq!(documents_editable(VerificationStatus::Started), Ok(()));
    assert_eq!(
        documents_editable(VerificationStatus::Canceled),
        Err(VerificationError::VerificationCanceled)
    );
    for s in [2, 3, 4, 5, 6, 8] {
        let s = VerificationStatus::from_value(s).unwrap();
        assert_eq!(
            documents_editable(s),
            Err(VerificationError::VerificationAlreadyStarted),
            "{s:?}"
        );
    }
}

#[test]
fn decisions_on_a_document() {
    let field = |reason: &str| VerificationError::FieldInvalid {
        field: "status".into(),
        reason: reason.into(),
    };
    // (document status, decisions so far, new decision, extracted, result)
    type Row = (Doc, Vec<D>, D, bool, Result<Doc, VerificationError>);
    let table: Vec<Row> = vec![
        (Doc::Uploaded, vec![], D::Approved, false, Ok(Doc::Approved)),
        (Doc::Extracted, vec![], D::Rejected, true, Ok(Doc::Rejected)),
        (
            Doc::Extracted,
            vec![],
            D::DoubleCheck,
            true,
            Ok(Doc::DoubleCheck),
        ),
        // A manual decision overrides the automatic one.
        (
            Doc::Rejected,
            vec![D::Rejected],
            D::Approved,
            true,
            Ok(Doc::Approved),
        ),
        // 4 withdraws the current decision: back to where extraction left it.
        (
            Doc::Approved,
            vec![D::Approved],
            D::Canceled,
            true,
            Ok(Doc::Extracted),
        ),
        (
            Doc::Approved,
            vec![D::Approved],
            D::Canceled,
            false,
            Ok(Doc::Uploaded),
        ),
        (
            Doc::Extracted,
            vec![D::Approved, D::Canceled],
            D::Canceled,
            true,
            Err(field(NOTHING_TO_CANCEL)),
        ),
        (
            Doc::Uploaded,
            vec![],
            D::Canceled,
            false,
            Err(field(NOTHING_TO_CANCEL)),
        ),
        (
            Doc::Uploaded,
            vec![],
            D::Pending,
            false,
            Err(field(DECISION_STATUS_RULE)),
        ),
        (
            Doc::Canceled,
            vec![D::Approved],
            D::Rejected,
            true,
            Err(VerificationError::DocumentCanceled),
        ),
        (
            Doc::Canceled,
            vec![D::Approved],
            D::Canceled,
            true,
            Err(VerificationError::DocumentCanceled),
        ),
    ];
    for (status, so_far, new, extracted, want) in table {
        assert_eq!(
            decide(status, &so_far, new, extracted),
            want,
            "{status:?} {so_far:?} {new:?}"
        );
    }
    assert_eq!(current_decision(&[]), D::Pending);
    assert_eq!(current_decision(&[D::Rejected, D::Approved]), D::Approved);
    assert_eq!(current_decision(&[D::Rejected, D::Canceled]), D::Pending);
}

#[test]
fn decision_status_on_the_wire() {
    for (v, want) in [
        (1, D::Approved),
        (2, D::Rejected),
        (3, D::DoubleCheck),
        (4, D::Canceled),
    ] {
        assert_eq!(parse_decision_status(&v.into()), Ok(want));
    }
    for bad in [
        serde_json::json!(0),
        serde_json::json!(5),
        serde_json::json!("1"),
        serde_json::json!(1.5),
        serde_json::json!(null),
        serde_json::json!(-1),
    ] {
        assert_eq!(
            parse_decision_status(&bad),
            Err(DECISION_STATUS_RULE),
            "{bad}"
        );
    }
}

#[test]
fn cascade_from_documents_to_the_verification() {
    use VerificationStatus as V;
    // (verification status, current decisions, trigger, new status) — the
    // vendor's rule: once every document has a final decision, all approved →
    // Approved, any rejected → Rejected, otherwise Double Check.
    let table: Vec<(V, Vec<D>, D, Option<V>)> = vec![
        (
            V::Submitted,
            vec![D::Approved, D::Approved],
            D::Approved,
            Some(V::Approved),
        ),
        (
            V::Submitted,
            vec![D::Approved, D::Rejected],
            D::Rejected,
            Some(V::Rejected),
        ),
        (
            V::Submitted,
            vec![D::Rejected, D::DoubleCheck],
            D::DoubleCheck,
            Some(V::Rejected),
        ),
        (
            V::Submitted,
            vec![D::Approved, D::DoubleCheck],
            D::DoubleCheck,
            Some(V::DoubleCheck),
        ),
        (
            V::Submitted,
            vec![D::Approved, D::Pending],
            D::Approved,
            None,
        ),
        (V::Submitted, vec![], D::Approved, None),
        // A reviewer overrides a finished verification.
        (
            V::Rejected,
            vec![D::Approved, D::Approved],
            D::Approved,
            Some(V::Approved),
        ),
        (
            V::DoubleCheck,
            vec![D::Approved, D::Rejected],
            D::Rejected,
            Some(V::Rejected),
        ),
        (
            V::Approved,
            vec![D::Approved, D::Approved],
            D::Approved,
            None,
        ),
        // Withdrawing a decision reopens a finished verification.
        (
            V::Approved,
            vec![D::Approved, D::Pending],
            D::Canceled,
            Some(V::Submitted),
        ),
        (
            V::Submitted,
            vec![D::Approved, D::Pending],
            D::Canceled,
            None,
        ),
        // A verification-level approval is not undone by a later document decision.
        (
            V::Approved,
            vec![D::Rejected, D::Pending],
            D::Rejected,
            None,
        ),
        // Only submitted verifications cascade.
        (
            V::Started,
            vec![D::Approved, D::Approved],
            D::Approved,
            None,
        ),
        (V::Hold, vec![D::Approved, D::Approved], D::Approved, None),
        (V::Canceled, vec![D::Approved], D::Approved, None),
        (V::Expired, vec![D::Approved], D::Approved, None),
    ];
    for (current, decisions, trigger, want) in table {
        assert_eq!(
            cascade(current, &decisions, trigger),
            want,
            "{current:?} {decisions:?} {trigger:?}"
        );
    }
    assert_eq!(
        settle(V::Submitted, &[D::Approved, D::Approved]),
        Some(V::Approved)
    );
    assert_eq!(settle(V::DoubleCheck, &[D::Approved, D::Pending]), None);
}

#[test]
fn which_documents_an_action_cancels() {
    for d in [D::Pending, D::Approved, D::Rejected, D::DoubleCheck] {
        assert!(cancels_document(Action::Cancel, d));
        assert!(!cancels_document(Action::Hold, d));
        assert_eq!(
            cancels_document(Action::Resubmit, d),
            d != D::Approved,
            "{d:?}"
        );
    }
}

#[test]
fn uploads_and_submission_follow_the_flow() {
    use crate::verification::flows::Flow;
    use idv_core::CatalogError;
    use idv_core::outcomes::ContextType as C;
    let (u, i) = (Flow::Usps1583.defaults(), Flow::Identity.defaults());
    assert_eq!(context_allowed(u, C::PhotoId), Ok(()));
    assert_eq!(
        context_allowed(u, C::Selfie),
        Err(VerificationError::DocumentTypeNotAllowed)
    );
    assert_eq!(
        context_allowed(i, C::ProofOfAddress),
        Err(VerificationError::DocumentTypeNotAllowed)
    );
    assert_eq!(context_allowed(i, C::Selfie), Ok(()));
    assert_eq!(ready_to_submit(u, &[C::ProofOfAddress, C::PhotoId]), Ok(()));
    // A document the flow does not require does not stand in for one it does.
    let cases = [
        (
            u,
            vec![C::PhotoId],
            "The documents field is invalid: must include a PROOF_OF_ADDRESS document.",
        ),
        (
            u,
            vec![],
            "The documents field is invalid: must include a PHOTO_ID document and a PROOF_OF_ADDRESS document.",
        ),
        (
            i,
            vec![C::PhotoId, C::ProofOfAddress],
            "The documents field is invalid: must include a SELFIE document.",
        ),
    ];
    for (flow, present, message) in cases {
        let e = ready_to_submit(flow, &present).unwrap_err();
        assert_eq!(e.status(), 422);
        assert_eq!(
            e.body(),
            serde_json::json!({"message": message, "errors": {"documents": [message]}})
        );
    }
}

#[test]
fn decision_bodies() {
    use serde_json::json;
    let doc = format!("doc_{}", "d".repeat(32));
    let ok = json!({"status": 4, "document": doc, "validation_workflow": "Manual by a@b.example", "reason": " typo "});
    let got = parse_decision(ok.as_object().unwrap()).unwrap();
    assert_eq!(got.status, D::Canceled);
    assert_eq!(got.document.as_str(), doc);
    assert_eq!(
        got.validation_workflow.as_deref(),
        Some("Manual by a@b.example")
    );
    assert_eq!(got.reason.as_deref(), Some("typo"));
    let cases = [
        (
            json!({"document": doc}),
            vec![("status", "The status field is required.")],
        ),
        (
            json!({"status": null, "document": doc}),
            vec![("status", "The status field is required.")],
        ),
        (
            json!({"status": 0, "document": doc}),
            vec![(
                "status",
                "The status field is invalid: must be 1 (approved), 2 (rejected), 3 (double check) or 4 (cancel the current decision).",
            )],
        ),
        (
            json!({"status": "1", "document": doc}),
            vec![(
                "status",
                "The status field is invalid: must be 1 (approved), 2 (rejected), 3 (double check) or 4 (cancel the current decision).",
            )],
        ),
        (
            json!({"status": 1}),
            vec![("document", "The document field is required.")],
        ),
        (
            json!({"status": 1, "document": format!("ver_{}", "d".repeat(32))}),
            vec![(
                "document",
                "The document field is invalid: must be the id of a document of this workspace.",
            )],
        ),
        (
            json!({"status": 1, "document": 7}),
            vec![(
                "document",
                "The document field is invalid: must be a string.",
            )],
        ),
        (
            json!({"status": 1, "document": doc, "reason": "x".repeat(256)}),
            vec![(
                "reason",
                "The reason field is invalid: must not be greater than 255 characters.",
            )],
        ),
        (
            json!({"status": 9, "document": "doc_1", "validation_workflow": []}),
            vec![
                (
                    "status",
                    "The status field is invalid: must be 1 (approved), 2 (rejected), 3 (double check) or 4 (cancel the current decision).",
                ),
                (
                    "document",
                    "The document field is invalid: must be the id of a document of this workspace.",
                ),
                (
                    "validation_workflow",
                    "The validation_workflow field is invalid: must be a string.",
                ),
            ],
        ),
    ];
    for (body, want) in cases {
        let got = parse_decision(body.as_object().unwrap())
            .unwrap_err()
            .body();
        let errors: Vec<(String, String)> = got["errors"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v[0].as_str().unwrap().to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, m)| (f.to_string(), m.to_string()))
            .collect();
        assert_eq!(errors, want, "{body}");
    }
}
