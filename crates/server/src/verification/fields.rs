//! Reading request members for the verification surface, where every problem is
//! its own catalogued 422 entry under its dotted field name
//! (`expected_data.person.date_of_birth`), as the API's `errors` object lists
//! them: collected in request order, then sent together ([`Invalid`]).
//!
//! Strings follow the API's framework conventions: surrounding whitespace is
//! trimmed, an empty string counts as absent, `null` counts as absent.

use crate::domain::country::Country;
use crate::verification::flows::{Context, DocumentType, FlowConfig, TypeRefusal};
use idv_core::limits::{VERIFICATION_COMMENT_MAX_LENGTH, VERIFICATION_TEXT_MAX_LENGTH};
use idv_core::outcomes::ContextType;
use idv_core::wire::{ApiError, render_validation};
use idv_core::{CatalogError, VerificationError};
use serde_json::{Map, Value};

/// The 422 answer: every field error of one request, in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid(pub Vec<VerificationError>);

impl Invalid {
    /// The HTTP status of the answer.
    pub const STATUS: u16 = 422;

    /// The body: the first message with `(and N more errors)`, and each message
    /// under its field in `errors` (the catalogue's `message_errors` dialect).
    pub fn body(&self) -> Value {
        let all: Vec<ApiError> = self
            .0
            .iter()
            .map(|e| ApiError {
                id: e.id(),
                params: e.params(),
            })
            .collect();
        render_validation(&all)
    }
}

/// Why a string was refused for its length, as the 422 says it.
pub fn too_long() -> String {
    too_long_for(VERIFICATION_TEXT_MAX_LENGTH)
}

fn too_long_for(max: u64) -> String {
    format!("must not be greater than {max} characters")
}

/// Which text rule a member follows: one line of `VERIFICATION_TEXT_MAX_LENGTH`
/// (names, numbers) or free text of `VERIFICATION_COMMENT_MAX_LENGTH`.
#[derive(Clone, Copy)]
enum TextKind {
    Line,
    Long,
}

/// Why a document context was refused.
pub const CONTEXT_RULE: &str = "must be PHOTO_ID, PROOF_OF_ADDRESS or SELFIE";

/// Why a string with control characters was refused.
pub const NO_CONTROL: &str = "must not contain control characters";

/// `prefix.name`, or `name` at the top level.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Collects the field errors of one request.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<VerificationError>,
}

impl Check {
    /// No error yet.
    pub fn new() -> Check {
        Check::default()
    }

    /// Records an error.
    pub fn push(&mut self, e: VerificationError) {
        self.errors.push(e);
    }

    /// Records that `field` is required.
    pub fn required(&mut self, field: &str) {
        self.push(VerificationError::FieldRequired {
            field: field.to_string(),
        });
    }

    /// Records that `field` is invalid, and why.
    pub fn invalid(&mut self, field: &str, reason: impl Into<String>) {
        self.push(VerificationError::FieldInvalid {
            field: field.to_string(),
            reason: reason.into(),
        });
    }

    /// Whether an error was recorded for `field` or a member of it.
    pub fn failed(&self, field: &str) -> bool {
        self.errors.iter().any(|e| {
            let f = e.params();
            let f = f.get("field").and_then(Value::as_str).unwrap_or_default();
            f == field || f.starts_with(&format!("{field}."))
        })
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Ok, or every error recorded.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.errors))
        }
    }

    /// The object member `name` of `obj` (at `prefix`); `None` when absent,
    /// `null` or not an object, with the error recorded when it is not an
    /// object, or absent and `required`.
    pub fn object<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<&'a Map<String, Value>> {
        let field = join(prefix, name);
        match obj.get(name) {
            None | Some(Value::Null) => {
                if required {
                    self.required(&field);
                }
                None
            }
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.invalid(&field, "must be an object");
                None
            }
        }
    }

    /// The string member `name` of `obj`, trimmed, at most
    /// `VERIFICATION_TEXT_MAX_LENGTH` characters and without control
    /// characters; `None` when absent, `null`, empty or refused (the error
    /// recorded when refused, or absent and `required`).
    pub fn string(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<String> {
        self.text(obj, prefix, name, required, TextKind::Line)
    }

    /// The free-text member `name` of `obj` (a comment body, a rejection
    /// reason), as [`Check::string`] but up to
    /// `VERIFICATION_COMMENT_MAX_LENGTH` characters and with line breaks and
    /// tabs (`\n`, `\r`, `\t`) allowed; other control characters are refused.
    pub fn long_text(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<String> {
        self.text(obj, prefix, name, required, TextKind::Long)
    }

    fn text(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
        kind: TextKind,
    ) -> Option<String> {
        let field = join(prefix, name);
        let s = match obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
            Some(_) => {
                self.invalid(&field, "must be a string");
                return None;
            }
        };
        let Some(s) = s else {
            if required {
                self.required(&field);
            }
            return None;
        };
        let (max, allowed): (u64, &[char]) = match kind {
            TextKind::Line => (VERIFICATION_TEXT_MAX_LENGTH, &[]),
            TextKind::Long => (VERIFICATION_COMMENT_MAX_LENGTH, &['\n', '\r', '\t']),
        };
        if s.chars().count() as u64 > max {
            self.invalid(&field, too_long_for(max));
            return None;
        }
        if s.chars().any(|c| c.is_control() && !allowed.contains(&c)) {
            self.invalid(&field, NO_CONTROL);
            return None;
        }
        Some(s.to_string())
    }

    /// The boolean member `name` of `obj`; `None` when absent or `null`.
    pub fn boolean(&mut self, obj: &Map<String, Value>, prefix: &str, name: &str) -> Option<bool> {
        match obj.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.invalid(&join(prefix, name), "must be true or false");
                None
            }
        }
    }

    /// The ISO 3166-1 alpha-3 member `name` of `obj` (any letter case).
    pub fn country(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<Country> {
        let s = self.string(obj, prefix, name, required)?;
        Country::parse(&s)
            .map_err(|why| self.invalid(&join(prefix, name), why))
            .ok()
    }

    /// The document context member `name` of `obj` (`PHOTO_ID`,
    /// `PROOF_OF_ADDRESS` or `SELFIE`, any letter case).
    pub fn context(
        &mut self,
        obj: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<ContextType> {
        let s = self.string(obj, prefix, name, required)?;
        match Context::parse(&s) {
            Some(c) => Some(c.0),
            None => {
                self.invalid(&join(prefix, name), CONTEXT_RULE);
                None
            }
        }
    }

    /// A document type named in `field` (its value read with [`Check::string`]),
    /// for a document of `context` from `country`, as `flow` accepts it: the
    /// catalogue's `document_type_not_in_flow` or
    /// `document_type_country_forbidden` under `field` otherwise.
    pub fn document_type(
        &mut self,
        field: &str,
        raw: &str,
        context: ContextType,
        flow: &FlowConfig,
        country: Option<Country>,
    ) -> Option<DocumentType> {
        let field = field.to_string();
        match flow.check_type(context, raw, country) {
            Ok(t) => Some(t),
            Err(TypeRefusal::NotInFlow) => {
                self.push(VerificationError::DocumentTypeNotInFlow { field });
                None
            }
            Err(TypeRefusal::ForbiddenForCountry(t, country)) => {
                self.push(VerificationError::DocumentTypeCountryForbidden {
                    field,
                    document_type: t.name().to_string(),
                    country: country.to_string(),
                });
                None
            }
        }
    }
}
