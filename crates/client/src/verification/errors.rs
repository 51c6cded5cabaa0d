//! A failed verification call read as the surface's catalogue entries: the
//! typed [`VerificationError`] of the answer, and each field a 422 names with
//! its own decoded entry.

use crate::error::Error;
use idv_core::{Surface, VerificationError};
use serde_json::{Value, json};

/// One message of a 422's `errors`: the field (dotted, as the server names it:
/// `expected_data.person.date_of_birth`), the message as sent, and its
/// catalogue entry (`None` for a message this version does not know).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The request member, in dot notation.
    pub field: String,
    /// The message exactly as sent.
    pub message: String,
    /// The message's catalogue entry, with its parameters.
    pub error: Option<VerificationError>,
}

/// The verification surface's reading of an [`Error`] (import the trait to call
/// it on any error a verification call returned).
///
/// ```
/// use idv_client::{Error, Surface};
/// use idv_client::verification::{VerificationError, VerificationFailure};
///
/// let body = br#"{"message": "The expected_data.person.first_name field is required. (and 1 more error)",
///   "errors": {"expected_data.person.first_name": ["The expected_data.person.first_name field is required."],
///              "expected_data.address.country": ["The expected_data.address.country field is invalid: not an ISO 3166-1 alpha-3 code."]}}"#;
/// let err = Error::from_response(Surface::Verification, 422, &[], body);
/// let fields = err.field_errors();
/// assert_eq!(fields.len(), 2);
/// assert_eq!(
///     fields[0].error,
///     Some(VerificationError::FieldRequired { field: "expected_data.person.first_name".into() })
/// );
/// assert_eq!(fields[1].field, "expected_data.address.country");
/// assert!(matches!(fields[1].error, Some(VerificationError::FieldInvalid { .. })));
/// assert!(matches!(err.verification_error(), Some(VerificationError::FieldRequired { .. })));
/// ```
pub trait VerificationFailure {
    /// The answer as the surface's typed entry, when it is a catalogued error of
    /// the verification surface (for a 422, the entry of its first field).
    fn verification_error(&self) -> Option<VerificationError>;

    /// Every message of a 422's `errors`, field by field in the order the
    /// server listed them, each decoded to its entry; empty for any other
    /// failure.
    fn field_errors(&self) -> Vec<FieldError>;
}

impl VerificationFailure for Error {
    fn verification_error(&self) -> Option<VerificationError> {
        let api = self.api()?;
        if api.surface() != Surface::Verification {
            return None;
        }
        api.typed::<VerificationError>().ok()
    }

    fn field_errors(&self) -> Vec<FieldError> {
        let (status, body) = match self {
            Error::Api(a) if a.surface() == Surface::Verification => (a.status(), a.body()),
            Error::Unknown(u) if u.surface == Surface::Verification => (u.info.status, &u.body),
            _ => return Vec::new(),
        };
        let Some(errors) = body.get("errors").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (field, messages) in errors {
            for message in messages.as_array().into_iter().flatten() {
                let Some(message) = message.as_str() else {
                    continue;
                };
                // One field's message decodes as a 422 that names only it.
                let alone = json!({"message": message, "errors": {field.as_str(): [message]}});
                out.push(FieldError {
                    field: field.clone(),
                    message: message.to_string(),
                    error: VerificationError::parse(status, &alone).ok(),
                });
            }
        }
        out
    }
}
