//! Tests of the wire types against the contract's member names and formats.

use super::*;
use crate::verification::expected::{ExpectedDocuments, ExpectedPerson};
use idv_core::outcomes::ContextType;
use serde_json::json;

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

#[test]
fn ids_carry_their_prefix_and_are_random() {
    let a = VerificationId::generate();
    let b = VerificationId::generate();
    assert_ne!(a, b);
    assert!(
        a.as_str().starts_with("ver_") && a.as_str().len() == 36,
        "{a}"
    );
    assert_eq!(VerificationId::parse(a.as_str()), Some(a.clone()));
    assert!(DocumentId::generate().as_str().starts_with("doc_"));
    assert!(DecisionId::generate().as_str().starts_with("dec_"));
    assert!(WorkspaceId::generate().as_str().starts_with("ws_"));
    // Another kind's id, another length, upper case: not an id of this kind.
    let doc = DocumentId::generate();
    assert_eq!(VerificationId::parse(doc.as_str()), None);
    assert_eq!(VerificationId::parse("ver_123"), None);
    assert_eq!(VerificationId::parse(&a.as_str().to_uppercase()), None);
    assert_eq!(
        VerificationId::parse(&format!("ver_{}", "g".repeat(32))),
        None
    );
    assert!(serde_json::from_value::<VerificationId>(json!(doc.as_str())).is_err());
}

#[test]
fn a_verification_as_the_contract_writes_it() {
    let id = VerificationId::parse(&format!("ver_{}", "a".repeat(32))).unwrap();
    let v = Verification {
        id: id.clone(),
        url: "https://idv.example/v/abc".into(),
        qr_code: "https://idv.example/qr/abc.png".into(),
        vendor_reference: None,
        vendor_state: Some("TN".into()),
        expected_data: Some(ExpectedData {
            person: ExpectedPerson {
                first_name: "Jane".into(),
                last_name: "Doe".into(),
                date_of_birth: None,
            },
            address: None,
            documents: ExpectedDocuments::default(),
        }),
        status: VerificationStatusPair(VerificationStatus::DoubleCheck),
        submitted_at: None,
        created_at: t("2026-06-11T07:36:42.000000Z"),
        updated_at: t("2026-06-11T07:36:42.123456Z"),
        flow: Flow::Usps1583,
        documents: vec![],
        history: vec![HistoryEntry {
            action: "create".into(),
            actor: "token 1".into(),
            from_status: None,
            to_status: Some(VerificationStatus::Started),
            created_at: t("2026-06-11T07:36:42.000000Z"),
        }],
        comments: vec![],
    };
    let got = serde_json::to_value(&v).unwrap();
    assert_eq!(
        got,
        json!({
            "id": id.as_str(),
            "url": "https://idv.example/v/abc",
            "qr_code": "https://idv.example/qr/abc.png",
            "vendor_state": "TN",
            "expected_data": {"person": {"first_name": "Jane", "last_name": "Doe"}, "documents": {}},
            "status": 5,
            "status_label": "Double Check",
            "created_at": "2026-06-11T07:36:42.000000Z",
            "updated_at": "2026-06-11T07:36:42.123456Z",
            "flow": "USPS 1583",
            "history": [{"action": "create", "actor": "token 1", "to_status": 1, "created_at": "2026-06-11T07:36:42.000000Z"}]
        })
    );
    let back: Verification = serde_json::from_value(got).unwrap();
    assert_eq!(back, v);
}

#[test]
fn a_document_with_validations_and_decisions() {
    let d = Document {
        id: DocumentId::parse(&format!("doc_{}", "b".repeat(32))).unwrap(),
        verification: VerificationId::parse(&format!("ver_{}", "a".repeat(32))).unwrap(),
        context_type: Context(ContextType::ProofOfAddress),
        document_type: DocumentType::UtilityBill,
        country: Some(Country::parse("USA").unwrap()),
        status: DocumentStatusPair(DocumentStatus::InProgress),
        image_url: None,
        extracted_data: Some(ExtractedData {
            first_name: Some("JANE".into()),
            expiry_date: Some(CalendarDate::parse("2030-01-31").unwrap()),
            address: Some(ExtractedAddress {
                city: Some("Nashville".into()),
                ..Default::default()
            }),
            source: Some("text".into()),
            ..Default::default()
        }),
        validations: vec![Validation {
            rule: "name".into(),
            result: RuleResult::Warning,
            expected: Some("Jane Doe".into()),
            extracted: Some("JANE DOE".into()),
            score: Some(0.9),
            reason: None,
        }],
        decisions: vec![Decision {
            id: DecisionId::parse(&format!("dec_{}", "c".repeat(32))).unwrap(),
            status: DecisionStatusPair(DecisionStatus::DoubleCheck),
            validation_workflow: "Automatic".into(),
            reason: None,
            created_at: t("2026-06-11T07:40:00.000000Z"),
        }],
        created_at: t("2026-06-11T07:38:00.000001Z"),
    };
    let got = serde_json::to_value(&d).unwrap();
    assert_eq!(got["context_type"], "PROOF_OF_ADDRESS");
    assert_eq!(got["type"], "Utility Bill");
    assert_eq!(got["country"], "USA");
    assert_eq!(
        (got["status"].clone(), got["status_label"].clone()),
        (json!(2), json!("In progress"))
    );
    assert_eq!(got.get("image_url"), None);
    assert_eq!(
        got["extracted_data"],
        json!({"first_name": "JANE", "expiry_date": "2030-01-31", "address": {"city": "Nashville"}, "source": "text"})
    );
    assert_eq!(
        got["validations"],
        json!([{"rule": "name", "result": "warning", "expected": "Jane Doe", "extracted": "JANE DOE", "score": 0.9}])
    );
    assert_eq!(
        got["decisions"],
        json!([{"id": format!("dec_{}", "c".repeat(32)), "status": 3, "status_label": "DOUBLE_CHECK", "validation_workflow": "Automatic", "created_at": "2026-06-11T07:40:00.000000Z"}])
    );
    assert_eq!(serde_json::from_value::<Document>(got).unwrap(), d);
}

#[test]
fn comments_and_blacklist_entries() {
    let c = Comment {
        id: CommentId::generate(),
        body: "Looks fine".into(),
        private: false,
        actor: "usr_1".into(),
        created_at: t("2026-06-11T07:36:42.000000Z"),
    };
    let v = serde_json::to_value(&c).unwrap();
    assert!(v["id"].as_str().unwrap().starts_with("com_"));
    assert_eq!(v["private"], false);
    let b = BlacklistEntry {
        id: BlacklistId::generate(),
        street: None,
        city: None,
        state: None,
        postal_code: Some("37201".into()),
        country: Some(Country::parse("USA").unwrap()),
        created_at: t("2026-06-11T07:36:42.000000Z"),
    };
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!(
        v.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        ["id", "postal_code", "country", "created_at"]
    );
}

#[test]
fn extracted_data_debug_hides_personal_data() {
    let e = ExtractedData {
        first_name: Some("JANE".into()),
        last_name: Some("DOE".into()),
        document_number: Some("X99".into()),
        address: Some(ExtractedAddress {
            street: Some("1 Main St".into()),
            postal_code: Some("37201".into()),
            ..Default::default()
        }),
        source: Some("mrz".into()),
        ..Default::default()
    };
    let printed = format!("{e:?}");
    for secret in ["JANE", "DOE", "X99", "Main", "37201"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    assert!(printed.contains("mrz"));
}
