//! One data-driven test over the whole catalogue: every example body, rendered by
//! idv-core from the example's params, equals the example; parsed back, it yields
//! the same entry and the same params.

use idv_core::wire::{self, parse, render};
use idv_core::{ApiError, CatalogError, ErrorId, Params, ParseError, Surface};
use serde_json::{Value, json};

fn check(id: ErrorId, index: usize) -> Result<(), String> {
    let meta = id.meta();
    let ex = &meta.examples[index];
    let params: Params = serde_json::from_str(ex.params).map_err(|e| format!("params: {e}"))?;
    let expected: Value = serde_json::from_str(ex.body).map_err(|e| format!("body: {e}"))?;
    let rendered = render(meta, &params);
    if rendered != expected {
        return Err(format!("rendered {rendered}\n   expected {expected}"));
    }
    // Key order is part of the wire contract (the Feathers body in particular).
    if serde_json::to_string(&rendered).ok() != serde_json::to_string(&expected).ok() {
        return Err(format!("member order differs: {rendered} vs {expected}"));
    }
    let parsed = parse(meta.surface, meta.status, &expected).map_err(|e| format!("parse: {e}"))?;
    if parsed.id != id {
        return Err(format!("parsed as {} instead", parsed.id));
    }
    if parsed.params != params {
        return Err(format!(
            "parsed params {:?} instead of {:?}",
            parsed.params, params
        ));
    }
    for (name, _) in ex.headers {
        if !meta.headers.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            return Err(format!(
                "example header {name} is not one the entry declares"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_example_round_trips() {
    let mut failures = Vec::new();
    let mut count = 0;
    for id in ErrorId::ALL {
        assert!(!id.meta().examples.is_empty(), "{id} has no example");
        for i in 0..id.meta().examples.len() {
            count += 1;
            if let Err(e) = check(*id, i) {
                failures.push(format!("{id} example {i}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} examples fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count >= ErrorId::ALL.len());
}

#[test]
fn every_surface_enum_round_trips_through_its_typed_variant() {
    for id in ErrorId::ALL {
        let meta = id.meta();
        let params: Params = serde_json::from_str(meta.examples[0].params).expect("params");
        let body: Value = serde_json::from_str(meta.examples[0].body).expect("body");
        let typed_body = match meta.surface {
            Surface::Possession => {
                idv_core::PossessionError::from_parts(*id, &params).map(|e| e.body())
            }
            Surface::Verification => {
                idv_core::VerificationError::from_parts(*id, &params).map(|e| e.body())
            }
            Surface::Accounts => {
                idv_core::AccountsError::from_parts(*id, &params).map(|e| e.body())
            }
            Surface::Signup => idv_core::SignupError::from_parts(*id, &params).map(|e| e.body()),
            Surface::Firewall => {
                idv_core::FirewallError::from_parts(*id, &params).map(|e| e.body())
            }
        };
        assert_eq!(typed_body.expect("typed"), body, "{id}");
    }
}

#[test]
fn codes_are_unique_per_surface_and_lookups_work() {
    for id in ErrorId::ALL {
        let m = id.meta();
        assert_eq!(ErrorId::from_name(m.name), Some(*id));
        if let Some(c) = m.code {
            assert_eq!(ErrorId::from_code(m.surface, &c.to_string()), Some(*id));
        }
    }
    assert_eq!(
        ErrorId::from_code(Surface::Possession, "8003"),
        Some(ErrorId::StepCalledOutOfOrder)
    );
    assert_eq!(
        ErrorId::with_code("oce011"),
        vec![ErrorId::AdditionalInputsRequired]
    );
}

#[test]
fn typed_errors_render_what_the_seeds_show() {
    let e = idv_core::PossessionError::RateLimitExceeded;
    assert_eq!(e.status(), 429);
    assert_eq!(
        e.body(),
        json!({"code": 8018, "message": "Rate limit exceeded. Please wait before making more requests."})
    );
    assert_eq!(
        e.to_string(),
        "8018: Rate limit exceeded. Please wait before making more requests."
    );

    let e = idv_core::SignupError::AdditionalInputsRequired {
        inputs: vec!["birthDate".into(), "ssn4".into()],
        risk_signals: None,
    };
    assert_eq!(
        e.body(),
        json!({"name": "BadRequest", "message": "Additional information is required to source data for user: birthDate, ssn4",
               "code": 400, "className": "bad-request", "data": {"errorCode": "OCE011", "additionalInputs": ["birthDate", "ssn4"]}})
    );
    let back = idv_core::SignupError::parse(400, &e.body()).expect("parses");
    assert_eq!(back, e);

    let e = idv_core::VerificationError::Unauthenticated;
    assert_eq!(e.body(), json!({"message": "Unauthenticated."}));
    assert_eq!(e.to_string(), "HTTP 401: Unauthenticated.");
}

#[test]
fn several_validation_errors_make_one_422_body() {
    let a = ApiError::new(ErrorId::FieldRequired).with("field", "verification");
    let b = ApiError::new(ErrorId::FieldRequired).with("field", "document.context_type");
    let c = ApiError::new(ErrorId::FieldInvalid)
        .with("field", "verification")
        .with("reason", "must be a string");
    let body = wire::render_validation(&[a.clone(), b, c]);
    assert_eq!(
        body,
        json!({
            "message": "The verification field is required. (and 2 more errors)",
            "errors": {
                "verification": ["The verification field is required.", "The verification field is invalid: must be a string."],
                "document.context_type": ["The document.context_type field is required."]
            }
        })
    );
    // Parsed back, the first field error is the primary one.
    assert_eq!(parse(Surface::Verification, 422, &body).expect("parses"), a);
}

#[test]
fn unknown_codes_and_bodies_are_kept_not_lost() {
    let body = json!({"code": 8013, "message": "something new"});
    assert_eq!(
        parse(Surface::Possession, 400, &body),
        Err(ParseError::UnknownCode {
            code: "8013".into(),
            message: "something new".into()
        })
    );
    assert_eq!(
        parse(Surface::Possession, 400, &json!("text")),
        Err(ParseError::NotAnObject)
    );
    assert_eq!(
        parse(Surface::Verification, 418, &json!({"message": "?"})),
        Err(ParseError::UnknownMessage {
            status: 418,
            message: "?".into()
        })
    );
    // A reworded message of a known code still decodes to its entry.
    let reworded = json!({"code": 8003, "message": "step not allowed", "next": {"v3-validate": "/v3/validate"}});
    let e = parse(Surface::Possession, 403, &reworded).expect("known code");
    assert_eq!(e.id, ErrorId::StepCalledOutOfOrder);
    assert_eq!(e.params["next"], json!({"v3-validate": "/v3/validate"}));
}

#[test]
fn a_firewall_body_received_by_a_signup_caller_decodes_as_the_firewall_entry() {
    // The firewall stands in front of signup and answers with its own body.
    let body: Value =
        serde_json::from_str(ErrorId::ApiKeyUsedClientSide.meta().examples[0].body).expect("json");
    assert_eq!(
        wire::effective_surface(Surface::Signup, &body),
        Surface::Firewall
    );
    assert_eq!(
        parse(Surface::Signup, 418, &body).expect("decodes").id,
        ErrorId::ApiKeyUsedClientSide
    );
    assert_eq!(wire::wire_code(Surface::Signup, &body), None);
    let oce: Value =
        serde_json::from_str(ErrorId::RiskScoreTooHigh.meta().examples[0].body).expect("json");
    assert_eq!(
        wire::effective_surface(Surface::Signup, &oce),
        Surface::Signup
    );
    assert_eq!(
        wire::wire_code(Surface::Signup, &oce).as_deref(),
        Some("OCE017")
    );
    assert_eq!(
        wire::wire_code(Surface::Possession, &json!({"code": 8003, "message": "x"})).as_deref(),
        Some("8003")
    );
}

/// Found by the `wire_roundtrip` fuzz target (fuzz/README.md): a required
/// parameter sent as a body member whose value is empty is left out by omit-empty,
/// and the client then refused the body the server had sent (`BadParam`).
#[test]
fn a_required_member_left_out_because_empty_decodes_as_empty() {
    use idv_core::SignupError;
    let sent = SignupError::RiskScoreTooHigh {
        risk_signals: json!({}),
    };
    let body = sent.body();
    assert!(body["data"].get("riskSignals").is_none(), "{body}");
    assert_eq!(
        SignupError::parse(400, &body),
        Ok(SignupError::RiskScoreTooHigh {
            risk_signals: Value::Null
        })
    );
    // An empty list and an empty map decode as themselves.
    for id in ErrorId::ALL {
        let meta = id.meta();
        for p in meta
            .params
            .iter()
            .filter(|p| p.wire.is_some() && !p.optional)
        {
            let empty = match p.ty {
                idv_core::ParamType::StringList => json!([]),
                idv_core::ParamType::StringMap => json!({}),
                _ => continue,
            };
            let mut params: Params = serde_json::from_str(meta.examples[0].params).expect("params");
            params.insert(p.name.to_string(), empty.clone());
            let parsed = parse(meta.surface, meta.status, &render(meta, &params))
                .unwrap_or_else(|e| panic!("{id:?} with empty {}: {e}", p.name));
            assert_eq!(parsed.id, *id);
            assert_eq!(parsed.params.get(p.name), Some(&empty), "{id:?}");
        }
    }
}
