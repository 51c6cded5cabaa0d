//! The client's wire types against the contract as idv-core holds it: every
//! example of every verification operation decodes into the type its call
//! returns, and the request examples round-trip through the request types.

use super::*;
use idv_core::operations::VERIFICATION;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

fn decode<T: DeserializeOwned>(id: &str, example: &str) {
    if let Err(e) = serde_json::from_str::<T>(example) {
        panic!("{id}: the response example does not decode: {e}\n{example}");
    }
}

#[test]
fn every_response_example_decodes_into_the_call_s_type() {
    for op in VERIFICATION {
        let ex = op.response.example;
        match op.id {
            "listVerifications" | "listAllVerifications" => decode::<Page<Verification>>(op.id, ex),
            "createVerificationComment" => decode::<Data<Comment>>(op.id, ex),
            "listAddressBlacklist" => decode::<Data<Vec<BlacklistEntry>>>(op.id, ex),
            "createAddressBlacklistEntry" => decode::<Data<BlacklistEntry>>(op.id, ex),
            "deleteAddressBlacklistEntry" => decode::<Data<Value>>(op.id, ex),
            "createDocument" | "showDocument" | "deleteDocument" | "createDecision" => {
                decode::<Data<Document>>(op.id, ex)
            }
            id if id.ends_with("Verification") => decode::<Data<Verification>>(op.id, ex),
            other => panic!("{other}: no client type decodes its answer"),
        }
    }
}

#[test]
fn the_show_example_keeps_its_history_and_comments() {
    let op = VERIFICATION
        .iter()
        .find(|o| o.id == "showVerification")
        .unwrap();
    let v: Data<Verification> = serde_json::from_str(op.response.example).unwrap();
    let v = v.data;
    assert_eq!(v.flow, Flow::Usps1583);
    assert_eq!(v.status, VerificationStatus::Started);
    assert_eq!(v.history[0].to_status, Some(VerificationStatus::Started));
    assert_eq!(v.comments[0].body, "Called the customer.");
}

#[test]
fn request_examples_round_trip_through_the_request_types() {
    for id in [
        "createVerification",
        "createAddressBlacklistEntry",
        "createDocument",
        "createDecision",
    ] {
        let op = VERIFICATION.iter().find(|o| o.id == id).unwrap();
        let example: Value = serde_json::from_str(op.request.unwrap().example).unwrap();
        let sent = if id == "createVerification" {
            let expected: ExpectedData =
                serde_json::from_value(example["expected_data"].clone()).unwrap();
            let mut req = CreateVerification::new(expected);
            req.vendor_reference = example["vendor_reference"].as_str().map(str::to_string);
            idv_core::json::to_value(&req).unwrap()
        } else if id == "createDocument" {
            let d = &example["document"];
            let part = |k: &str| d[k].as_str().unwrap().to_string();
            let req = NewDocument::new(
                example["verification"].as_str().unwrap(),
                part("context_type"),
                part("type"),
                part("image"),
            )
            .country(part("country"));
            idv_core::json::to_value(&req).unwrap()
        } else if id == "createDecision" {
            let req = NewDecision::new(
                example["document"].as_str().unwrap(),
                DecisionStatus::from_value(example["status"].as_i64().unwrap()),
            );
            idv_core::json::to_value(&req).unwrap()
        } else {
            let part = |k: &str| example[k].as_str().unwrap().to_string();
            let req = NewBlacklistEntry::default()
                .street(part("street"))
                .city(part("city"))
                .state(part("state"))
                .postal_code(part("postal_code"))
                .country(part("country"));
            idv_core::json::to_value(&req).unwrap()
        };
        assert_eq!(sent, example, "{id}");
    }
}

#[test]
fn statuses_and_flows_read_both_spellings() {
    for n in 1..=8 {
        let s = VerificationStatus::from_value(n);
        assert_eq!(s.value(), n);
        assert_ne!(s.label(), "Unknown");
    }
    assert_eq!(
        VerificationStatus::from_value(42),
        VerificationStatus::Other(42)
    );
    assert_eq!(VerificationStatus::DoubleCheck.to_string(), "Double Check");
    assert_eq!(Flow::parse("USPS 1583"), Some(Flow::Usps1583));
    assert_eq!(Flow::parse("identity"), Some(Flow::Identity));
    assert_eq!(Flow::parse("passport"), None);
    let bad: Result<Flow, _> = serde_json::from_str("\"Passport\"");
    assert!(bad.is_err());
}

#[test]
fn a_document_in_the_contract_s_shape_decodes() {
    // contracts.md section 1: `Document`, its validations and decisions.
    let doc: Document = serde_json::from_value(serde_json::json!({
        "id": "doc_1", "verification": "ver_1", "context_type": "PHOTO_ID",
        "type": "Driver License", "country": "USA", "status": 3, "status_label": "Approved",
        "image_url": "https://idv.example.com/api/v1/files/abc",
        "extracted_data": {"first_name": "Jane", "date_of_birth": "1990-04-12",
            "address": {"street": "1 Main St", "country": "USA"}, "source": "embedded"},
        "validations": [{"rule": "name", "result": "pass", "score": 1.0}],
        "decisions": [{"id": "dec_1", "status": 1, "status_label": "APPROVED",
            "validation_workflow": "Automatic", "created_at": "2026-06-11T07:40:02.000000Z"}],
        "created_at": "2026-06-11T07:38:00.000000Z"
    }))
    .unwrap();
    assert_eq!(doc.document_type, "Driver License");
    let extracted = doc.extracted_data.unwrap();
    assert_eq!(
        extracted.address.unwrap().street.as_deref(),
        Some("1 Main St")
    );
    assert_eq!(doc.validations[0].result, "pass");
    assert_eq!(doc.status, DocumentStatus::Approved);
    assert_eq!(doc.decisions[0].status, DecisionStatus::Approved);
    assert_eq!(doc.decisions[0].status_label, "APPROVED");
}

#[test]
fn document_and_decision_statuses_keep_their_numbers() {
    for n in 1..=7 {
        let s = DocumentStatus::from_value(n);
        assert_eq!(s.value(), n);
        assert_ne!(s.label(), "Unknown");
    }
    assert_eq!(DocumentStatus::from_value(8), DocumentStatus::Other(8));
    assert_eq!(DocumentStatus::InProgress.to_string(), "In progress");
    for n in 1..=4 {
        assert_eq!(DecisionStatus::from_value(n).value(), n);
    }
    assert_eq!(DecisionStatus::from_value(0), DecisionStatus::Other(0));
    let d: DecisionStatus = serde_json::from_str("3").unwrap();
    assert_eq!(d.label(), "DOUBLE_CHECK");
}

#[test]
fn an_upload_from_bytes_is_sent_as_base64() {
    let req = NewDocument::from_image("ver_1", "PHOTO_ID", "Passport", b"\x89PNG\r\n")
        .back_side_image(b"ab");
    let sent = idv_core::json::to_value(&req).unwrap();
    assert_eq!(sent["document"]["image"], "iVBORw0K");
    assert_eq!(sent["back_side_data"], "YWI=");
    assert!(sent["document"].get("country").is_none());
}
