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
    for id in ["createVerification", "createAddressBlacklistEntry"] {
        let op = VERIFICATION.iter().find(|o| o.id == id).unwrap();
        let example: Value = serde_json::from_str(op.request.unwrap().example).unwrap();
        let sent = if id == "createVerification" {
            let expected: ExpectedData =
                serde_json::from_value(example["expected_data"].clone()).unwrap();
            let mut req = CreateVerification::new(expected);
            req.vendor_reference = example["vendor_reference"].as_str().map(str::to_string);
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
