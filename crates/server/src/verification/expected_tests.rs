//! Tests of the create body: each bad input gives the catalogued 422 naming
//! its dotted field, with the message written out here in full.

use super::*;
use crate::verification::flows::Flow;
use serde_json::json;

fn today() -> CalendarDate {
    CalendarDate::parse("2026-06-11").unwrap()
}

/// A complete, valid usps1583 body.
fn usps() -> Value {
    json!({
        "expected_data": {
            "person": {"first_name": "Jane", "last_name": "Doe", "date_of_birth": "1990-05-17"},
            "address": {"street": "1 Main St", "city": "Nashville", "state": "TN", "postal_code": "37201", "country": "USA"},
            "documents": {
                "photo_id": {"type": "Passport", "number": "123456789", "country": "USA"},
                "proof_of_address": {"type": "Driver License", "number": "D1234567"}
            }
        },
        "vendor_reference": "cust-42",
        "vendor_state": "TN"
    })
}

fn parse(flow: Flow, body: &Value) -> Result<CreateVerification, Invalid> {
    parse_create(body.as_object().unwrap(), flow.defaults(), today())
}

/// Sets the member at a dotted path (creating objects on the way).
fn set(body: &mut Value, path: &str, v: Value) {
    let mut cur = body;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.as_object_mut().unwrap().entry(*p).or_insert(json!({}));
    }
    cur.as_object_mut()
        .unwrap()
        .insert(parts[parts.len() - 1].to_string(), v);
}

fn remove(body: &mut Value, path: &str) {
    let mut cur = body;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.get_mut(*p).unwrap();
    }
    cur.as_object_mut().unwrap().remove(parts[parts.len() - 1]);
}

/// The `errors` object of the 422, as (field, messages) pairs.
fn errors(inv: &Invalid) -> Vec<(String, Vec<String>)> {
    inv.body()["errors"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn a_valid_body_is_typed_with_canonical_spellings() {
    let mut body = usps();
    set(
        &mut body,
        "expected_data.documents.photo_id.type",
        json!("  passport "),
    );
    set(&mut body, "expected_data.address.country", json!("usa"));
    set(
        &mut body,
        "expected_data.person.first_name",
        json!("  Jane  "),
    );
    set(&mut body, "expected_data.unknown", json!({"ignored": true}));
    let got = parse(Flow::Usps1583, &body).unwrap();
    let e = &got.expected_data;
    assert_eq!(e.person.first_name, "Jane");
    assert_eq!(e.person.date_of_birth.unwrap().to_string(), "1990-05-17");
    assert_eq!(e.address.as_ref().unwrap().country.as_str(), "USA");
    assert_eq!(got.vendor_reference.as_deref(), Some("cust-42"));
    // Serialised for storage and for the API: canonical names, absent members left out.
    assert_eq!(
        serde_json::to_value(e).unwrap(),
        json!({
            "person": {"first_name": "Jane", "last_name": "Doe", "date_of_birth": "1990-05-17"},
            "address": {"street": "1 Main St", "city": "Nashville", "state": "TN", "postal_code": "37201", "country": "USA"},
            "documents": {
                "photo_id": {"type": "Passport", "number": "123456789", "country": "USA"},
                "proof_of_address": {"type": "Driver License", "number": "D1234567"}
            }
        })
    );
    let back: ExpectedData = serde_json::from_value(serde_json::to_value(e).unwrap()).unwrap();
    assert_eq!(&back, e);
}

#[test]
fn identity_needs_no_address_or_proof_of_address() {
    let body = json!({"expected_data": {
        "person": {"first_name": "Jane", "last_name": "Doe"},
        "documents": {"photo_id": {"type": "Driver License", "country": "GBR"}}
    }});
    let got = parse(Flow::Identity, &body).unwrap();
    assert_eq!(got.expected_data.address, None);
    assert_eq!(
        got.expected_data.documents.photo_id.unwrap().document_type,
        DocumentType::DriverLicense
    );
}

#[test]
fn one_bad_field_at_a_time() {
    // (path, value or None to remove, flow, field, message)
    let long = "x".repeat(256);
    let cases: Vec<(&str, Option<Value>, Flow, &str, &str)> = vec![
        (
            "expected_data",
            None,
            Flow::Usps1583,
            "expected_data",
            "The expected_data field is required.",
        ),
        (
            "expected_data",
            Some(json!(null)),
            Flow::Usps1583,
            "expected_data",
            "The expected_data field is required.",
        ),
        (
            "expected_data",
            Some(json!("x")),
            Flow::Usps1583,
            "expected_data",
            "The expected_data field is invalid: must be an object.",
        ),
        (
            "expected_data.person",
            None,
            Flow::Usps1583,
            "expected_data.person",
            "The expected_data.person field is required.",
        ),
        (
            "expected_data.person",
            Some(json!([])),
            Flow::Usps1583,
            "expected_data.person",
            "The expected_data.person field is invalid: must be an object.",
        ),
        (
            "expected_data.person.first_name",
            None,
            Flow::Usps1583,
            "expected_data.person.first_name",
            "The expected_data.person.first_name field is required.",
        ),
        (
            "expected_data.person.first_name",
            Some(json!("   ")),
            Flow::Usps1583,
            "expected_data.person.first_name",
            "The expected_data.person.first_name field is required.",
        ),
        (
            "expected_data.person.first_name",
            Some(json!(42)),
            Flow::Usps1583,
            "expected_data.person.first_name",
            "The expected_data.person.first_name field is invalid: must be a string.",
        ),
        (
            "expected_data.person.last_name",
            Some(json!(long)),
            Flow::Usps1583,
            "expected_data.person.last_name",
            "The expected_data.person.last_name field is invalid: must not be greater than 255 characters.",
        ),
        (
            "expected_data.person.last_name",
            Some(json!("Do\u{0}e")),
            Flow::Usps1583,
            "expected_data.person.last_name",
            "The expected_data.person.last_name field is invalid: must not contain control characters.",
        ),
        (
            "expected_data.person.date_of_birth",
            Some(json!("17/05/1990")),
            Flow::Usps1583,
            "expected_data.person.date_of_birth",
            "The expected_data.person.date_of_birth field is invalid: must be a date in YYYY-MM-DD format.",
        ),
        (
            "expected_data.person.date_of_birth",
            Some(json!("1990-02-30")),
            Flow::Usps1583,
            "expected_data.person.date_of_birth",
            "The expected_data.person.date_of_birth field is invalid: must be a valid date.",
        ),
        (
            "expected_data.person.date_of_birth",
            Some(json!("2026-06-12")),
            Flow::Usps1583,
            "expected_data.person.date_of_birth",
            "The expected_data.person.date_of_birth field is invalid: must be a date before or equal to today.",
        ),
        (
            "expected_data.person.date_of_birth",
            Some(json!(19900517)),
            Flow::Usps1583,
            "expected_data.person.date_of_birth",
            "The expected_data.person.date_of_birth field is invalid: must be a string.",
        ),
        (
            "expected_data.address",
            None,
            Flow::Usps1583,
            "expected_data.address",
            "The expected_data.address field is required.",
        ),
        (
            "expected_data.address.country",
            Some(json!("US")),
            Flow::Usps1583,
            "expected_data.address.country",
            "The expected_data.address.country field is invalid: must be an ISO 3166-1 alpha-3 country code.",
        ),
        (
            "expected_data.address.country",
            Some(json!("XYZ")),
            Flow::Usps1583,
            "expected_data.address.country",
            "The expected_data.address.country field is invalid: must be an ISO 3166-1 alpha-3 country code.",
        ),
        (
            "expected_data.address.postal_code",
            Some(json!(37201)),
            Flow::Usps1583,
            "expected_data.address.postal_code",
            "The expected_data.address.postal_code field is invalid: must be a string.",
        ),
        (
            "expected_data.documents",
            None,
            Flow::Usps1583,
            "expected_data.documents",
            "The expected_data.documents field is required.",
        ),
        (
            "expected_data.documents.proof_of_address",
            None,
            Flow::Usps1583,
            "expected_data.documents.proof_of_address",
            "The expected_data.documents.proof_of_address field is required.",
        ),
        (
            "expected_data.documents.photo_id.type",
            None,
            Flow::Usps1583,
            "expected_data.documents.photo_id.type",
            "The expected_data.documents.photo_id.type field is required.",
        ),
        (
            "expected_data.documents.photo_id.type",
            Some(json!("Library Card")),
            Flow::Usps1583,
            "expected_data.documents.photo_id.type",
            "The selected expected_data.documents.photo_id.type is not configured for this flow.",
        ),
        (
            "expected_data.documents.photo_id.type",
            Some(json!("Utility Bill")),
            Flow::Usps1583,
            "expected_data.documents.photo_id.type",
            "The selected expected_data.documents.photo_id.type is not configured for this flow.",
        ),
        (
            "expected_data.documents.photo_id",
            Some(json!({"type": "Driver License", "country": "GBR"})),
            Flow::Usps1583,
            "expected_data.documents.photo_id.type",
            "The Driver License document type is not accepted for GBR.",
        ),
        (
            "expected_data.documents.proof_of_address.type",
            Some(json!("passport")),
            Flow::Usps1583,
            "expected_data.documents.proof_of_address.type",
            "The selected expected_data.documents.proof_of_address.type is not configured for this flow.",
        ),
        (
            "expected_data.documents",
            Some(
                json!({"photo_id": {"type": "Driver License", "country": "USA"}, "proof_of_address": {"type": "driver license"}}),
            ),
            Flow::Usps1583,
            "expected_data.documents.proof_of_address.type",
            "The photo ID and proof of address document types must be different.",
        ),
        (
            "expected_data.documents.photo_id.country",
            Some(json!(840)),
            Flow::Usps1583,
            "expected_data.documents.photo_id.country",
            "The expected_data.documents.photo_id.country field is invalid: must be a string.",
        ),
        (
            "vendor_reference",
            Some(json!(42)),
            Flow::Usps1583,
            "vendor_reference",
            "The vendor_reference field is invalid: must be a string.",
        ),
        (
            "vendor_state",
            Some(json!("x".repeat(300))),
            Flow::Usps1583,
            "vendor_state",
            "The vendor_state field is invalid: must not be greater than 255 characters.",
        ),
        (
            "expected_data.documents.photo_id",
            None,
            Flow::Identity,
            "expected_data.documents.photo_id",
            "The expected_data.documents.photo_id field is required.",
        ),
    ];
    for (path, value, flow, field, message) in cases {
        let mut body = usps();
        if flow == Flow::Identity {
            // The identity flow takes no proof of address: start without one.
            remove(&mut body, "expected_data.documents.proof_of_address");
        }
        match value {
            Some(v) => set(&mut body, path, v),
            None => remove(&mut body, path),
        }
        let got = parse(flow, &body).expect_err(path);
        assert_eq!(
            errors(&got),
            vec![(field.to_string(), vec![message.to_string()])],
            "{path}"
        );
        assert_eq!(got.body()["message"], message, "{path}");
    }
}

#[test]
fn the_proof_of_address_type_is_checked_against_the_address_country() {
    // No country on the document: the address's country decides.
    let mut body = usps();
    set(&mut body, "expected_data.address.country", json!("GBR"));
    let got = parse(Flow::Usps1583, &body).unwrap_err();
    assert_eq!(
        errors(&got),
        vec![(
            "expected_data.documents.proof_of_address.type".into(),
            vec!["The Driver License document type is not accepted for GBR.".into()]
        )]
    );
}

#[test]
fn a_proof_of_address_on_the_identity_flow_is_not_in_the_flow() {
    let mut body = usps();
    set(
        &mut body,
        "expected_data.documents.proof_of_address.type",
        json!("Utility Bill"),
    );
    let got = parse(Flow::Identity, &body).unwrap_err();
    assert_eq!(
        got.body()["message"],
        "The selected expected_data.documents.proof_of_address.type is not configured for this flow."
    );
}

#[test]
fn every_problem_is_named_at_once_in_request_order() {
    let body = json!({
        "expected_data": {
            "person": {"first_name": null, "last_name": ["Doe"], "date_of_birth": "1990-13-01"},
            "address": {"street": "1 Main St", "city": "Nashville", "postal_code": "37201", "country": "ZZZ"},
            "documents": {"photo_id": {"type": "Passport"}, "proof_of_address": "Lease"}
        },
        "vendor_state": false
    });
    let got = parse(Flow::Usps1583, &body).unwrap_err();
    assert_eq!(
        got.body(),
        json!({
            "message": "The expected_data.person.first_name field is required. (and 5 more errors)",
            "errors": {
                "expected_data.person.first_name": ["The expected_data.person.first_name field is required."],
                "expected_data.person.last_name": ["The expected_data.person.last_name field is invalid: must be a string."],
                "expected_data.person.date_of_birth": ["The expected_data.person.date_of_birth field is invalid: must be a valid date."],
                "expected_data.address.country": ["The expected_data.address.country field is invalid: must be an ISO 3166-1 alpha-3 country code."],
                "expected_data.documents.proof_of_address": ["The expected_data.documents.proof_of_address field is invalid: must be an object."],
                "vendor_state": ["The vendor_state field is invalid: must be a string."]
            }
        })
    );
}

#[test]
fn a_workspace_override_changes_what_is_accepted() {
    let o: crate::verification::flows::FlowOverrides = serde_json::from_value(json!({
        "contexts": {"PHOTO_ID": {"countries": {"GBR": ["Passport", "Driver License"]}}}
    }))
    .unwrap();
    let cfg = Flow::Usps1583.defaults().with(&o).unwrap();
    let mut body = usps();
    set(
        &mut body,
        "expected_data.documents.photo_id",
        json!({"type": "Driver License", "country": "GBR"}),
    );
    set(
        &mut body,
        "expected_data.documents.proof_of_address.type",
        json!("Lease"),
    );
    let got = parse_create(body.as_object().unwrap(), &cfg, today()).unwrap();
    assert_eq!(
        got.expected_data
            .documents
            .photo_id
            .unwrap()
            .country
            .unwrap()
            .as_str(),
        "GBR"
    );
}

#[test]
fn debug_output_hides_personal_data() {
    let got = parse(Flow::Usps1583, &usps()).unwrap();
    let printed = format!("{got:?}");
    for secret in [
        "Jane",
        "Doe",
        "1990",
        "Main St",
        "Nashville",
        "37201",
        "123456789",
        "D1234567",
    ] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    // What is not personal stays readable.
    for shown in ["Passport", "DriverLicense", "USA", "cust-42", "<redacted>"] {
        assert!(printed.contains(shown), "{shown} missing from {printed}");
    }
}

/// Every member of a valid body, one at a time, replaced by each value of a
/// list of odd ones: the answer is the typed data or a 422 whose every key is
/// that member or one below it, and whose messages are the catalogue's.
#[test]
fn odd_values_anywhere_give_a_422_naming_the_member() {
    use idv_core::CatalogError;
    let odd = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1e308),
        json!(""),
        json!("   "),
        json!("x".repeat(10_000)),
        json!("🙂🙂🙂"),
        json!("line\nbreak"),
        json!("\u{202e}USA"),
        json!([]),
        json!(["Passport"]),
        json!({}),
        json!({"type": "Passport"}),
    ];
    fn paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Some(m) = v.as_object() {
            for (k, child) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(p.clone());
                paths(child, &p, out);
            }
        }
    }
    let mut all = Vec::new();
    paths(&usps(), "", &mut all);
    assert!(all.len() > 20, "{all:?}");
    let mut answers = 0;
    for path in &all {
        for v in &odd {
            let mut body = usps();
            set(&mut body, path, v.clone());
            for flow in Flow::ALL {
                match parse(*flow, &body) {
                    Ok(_) => {}
                    Err(inv) => {
                        assert!(!inv.0.is_empty());
                        for e in &inv.0 {
                            assert_eq!(e.status(), 422, "{path} = {v}: {e:?}");
                            let field = e.params()["field"].as_str().unwrap().to_string();
                            let related = field == *path
                                || field.starts_with(&format!("{path}."))
                                // A changed country or type can make the other
                                // document's type refused, or the two identical.
                                || field.ends_with(".type")
                                // The identity flow refuses the usps1583 body's
                                // proof of address wherever the change is.
                                || (*flow == Flow::Identity && field.contains("proof_of_address"));
                            assert!(related, "{path} = {v} ({flow:?}): error on {field}");
                            assert!(!e.message().is_empty());
                        }
                        answers += 1;
                    }
                }
            }
        }
    }
    assert!(
        answers > all.len() * 10,
        "most odd values are refused ({answers})"
    );
}
