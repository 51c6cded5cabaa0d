//! Fuzzes the server's JSON body reader (`idv_server::input::parse_json_object`,
//! every v3 operation's body): any bytes give the object or a catalogued 8001 whose
//! reasons are our own words (never the parser's text), and that 8001, rendered as
//! the server sends it, decodes on the client to the same error.
//!
//! Input: the raw body bytes.

#![no_main]

use idv_core::{CatalogError, PossessionError};
use idv_server::http::Failure;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let parsed = serde_json::from_slice::<Value>(data);
    match idv_server::http::input::parse_json_object::<PossessionError>(data) {
        Ok(obj) => assert_eq!(parsed.ok(), Some(Value::Object(obj))),
        Err(Failure::Internal(cause)) => panic!("a body reader answered 8000: {cause}"),
        Err(Failure::Invalid(errors)) => panic!("a body reader answered field errors: {errors:?}"),
        Err(Failure::Api(e)) => {
            let PossessionError::MalformedRequest { reasons } = &e else {
                panic!("not an 8001: {e:?}");
            };
            match &parsed {
                Ok(Value::Object(_)) => panic!("a JSON object was refused: {reasons}"),
                Ok(_) => assert_eq!(reasons, "body: must be a JSON object"),
                Err(_) => assert!(
                    reasons == "body: is required (a JSON object)"
                        || (reasons.starts_with("body: is not valid JSON (line ")
                            && reasons.ends_with(')')),
                    "reasons in a parser's words: {reasons}"
                ),
            }
            let body = e.body();
            let decoded = PossessionError::parse(e.status(), &body);
            assert_eq!(decoded.as_ref(), Ok(&e), "{body}");
        }
    }
});
