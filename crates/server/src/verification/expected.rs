//! The body of `POST /api/v1/{flow}/verifications`: `expected_data` (person,
//! address, documents), `vendor_reference` and `vendor_state`, checked field by
//! field against the flow's configuration into a typed [`ExpectedData`], or
//! every problem as one 422 ([`Invalid`]) naming each dotted field.
//!
//! What is required follows the flow: the person always; the address and the
//! proof of address where the flow requires a PROOF_OF_ADDRESS; the photo ID
//! where it requires a PHOTO_ID. Dates are real `YYYY-MM-DD` dates (a date of
//! birth not after today), countries ISO 3166-1 alpha-3, document types those
//! the flow accepts for the context and the document's country (else the
//! address's), never a forbidden pair, and the photo ID and proof of address
//! of different types. Members the API does not define are ignored.

use crate::domain::country::Country;
use crate::domain::date::CalendarDate;
use crate::verification::fields::{Check, Invalid};
use crate::verification::flows::{DocumentType, FlowConfig};
use idv_core::VerificationError;
use idv_core::outcomes::ContextType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// What the caller expects the documents to show; stored sealed, returned in
/// `expected_data`, compared with what extraction reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedData {
    /// The person.
    pub person: ExpectedPerson,
    /// The address (required where the flow takes a proof of address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<ExpectedAddress>,
    /// The expected documents.
    pub documents: ExpectedDocuments,
}

/// `expected_data.person`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedPerson {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<CalendarDate>,
}

/// `expected_data.address`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedAddress {
    /// Street line.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// Country.
    pub country: Country,
}

/// `expected_data.documents`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedDocuments {
    /// `photo_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<ExpectedDocument>,
    /// `proof_of_address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_of_address: Option<ExpectedDocument>,
}

/// One expected document.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedDocument {
    /// The type, canonical spelling.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    /// The document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
}

/// Personal data is never printed by `Debug` (so never logged by accident):
/// names, dates of birth, street lines, postal codes and document numbers show
/// as `<redacted>` when present.
pub(crate) struct Redacted<'a, T>(pub(crate) &'a Option<T>);

impl<T> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("<redacted>"),
            None => f.write_str("None"),
        }
    }
}

const REDACTED: Redacted<'static, ()> = Redacted(&Some(()));

impl fmt::Debug for ExpectedPerson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectedPerson")
            .field("first_name", &REDACTED)
            .field("last_name", &REDACTED)
            .field("date_of_birth", &Redacted(&self.date_of_birth))
            .finish()
    }
}

impl fmt::Debug for ExpectedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectedAddress")
            .field("street", &REDACTED)
            .field("city", &REDACTED)
            .field("state", &self.state)
            .field("postal_code", &REDACTED)
            .field("country", &self.country)
            .finish()
    }
}

impl fmt::Debug for ExpectedDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectedDocument")
            .field("document_type", &self.document_type)
            .field("number", &Redacted(&self.number))
            .field("country", &self.country)
            .finish()
    }
}

/// A checked create body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateVerification {
    /// `expected_data`.
    pub expected_data: ExpectedData,
    /// `vendor_reference`.
    pub vendor_reference: Option<String>,
    /// `vendor_state`.
    pub vendor_state: Option<String>,
}

/// Why a date of birth after today was refused.
pub const DOB_NOT_FUTURE: &str = "must be a date before or equal to today";

/// Checks a create body (the JSON object) for a flow configured as `flow`, with
/// `today` the current UTC date.
pub fn parse_create(
    body: &Map<String, Value>,
    flow: &FlowConfig,
    today: CalendarDate,
) -> Result<CreateVerification, Invalid> {
    let mut c = Check::new();
    let expected = c
        .object(body, "", "expected_data", true)
        .and_then(|e| expected_data(&mut c, e, flow, today));
    let vendor_reference = c.string(body, "", "vendor_reference", false);
    let vendor_state = c.string(body, "", "vendor_state", false);
    match (c.finish(), expected) {
        (Ok(()), Some(expected_data)) => Ok(CreateVerification {
            expected_data,
            vendor_reference,
            vendor_state,
        }),
        (Err(e), _) => Err(e),
        // Every `None` above recorded its reason; this is never reached.
        (Ok(()), None) => Err(Invalid(vec![VerificationError::FieldRequired {
            field: "expected_data".into(),
        }])),
    }
}

const P: &str = "expected_data";

fn expected_data(
    c: &mut Check,
    e: &Map<String, Value>,
    flow: &FlowConfig,
    today: CalendarDate,
) -> Option<ExpectedData> {
    let person = c
        .object(e, P, "person", true)
        .and_then(|p| person(c, p, today));
    let needs_address = flow.requires(ContextType::ProofOfAddress);
    let address = c
        .object(e, P, "address", needs_address)
        .map(|a| address(c, a));
    let documents = c.object(e, P, "documents", true).map(|d| {
        documents(
            c,
            d,
            flow,
            address.as_ref().and_then(|a| a.as_ref()).map(|a| a.country),
        )
    });
    Some(ExpectedData {
        person: person?,
        address: match address {
            Some(a) => Some(a?),
            None => None,
        },
        documents: documents??,
    })
}

fn person(c: &mut Check, p: &Map<String, Value>, today: CalendarDate) -> Option<ExpectedPerson> {
    const AT: &str = "expected_data.person";
    let first_name = c.string(p, AT, "first_name", true);
    let last_name = c.string(p, AT, "last_name", true);
    let date_of_birth = match c.string(p, AT, "date_of_birth", false) {
        None => None,
        Some(s) => match CalendarDate::parse(&s) {
            Ok(d) if d > today => {
                c.invalid("expected_data.person.date_of_birth", DOB_NOT_FUTURE);
                None
            }
            Ok(d) => Some(d),
            Err(why) => {
                c.invalid("expected_data.person.date_of_birth", why);
                None
            }
        },
    };
    let dob_failed = c.failed("expected_data.person.date_of_birth");
    Some(ExpectedPerson {
        first_name: first_name?,
        last_name: last_name?,
        date_of_birth: if dob_failed {
            return None;
        } else {
            date_of_birth
        },
    })
}

fn address(c: &mut Check, a: &Map<String, Value>) -> Option<ExpectedAddress> {
    const AT: &str = "expected_data.address";
    let street = c.string(a, AT, "street", true);
    let city = c.string(a, AT, "city", true);
    let state = c.string(a, AT, "state", false);
    let postal_code = c.string(a, AT, "postal_code", true);
    let country = c.country(a, AT, "country", true);
    Some(ExpectedAddress {
        street: street?,
        city: city?,
        state,
        postal_code: postal_code?,
        country: country?,
    })
}

fn documents(
    c: &mut Check,
    d: &Map<String, Value>,
    flow: &FlowConfig,
    address_country: Option<Country>,
) -> Option<ExpectedDocuments> {
    const AT: &str = "expected_data.documents";
    let one = |c: &mut Check, name: &str, context: ContextType| {
        let at = format!("{AT}.{name}");
        let obj = c.object(d, AT, name, flow.requires(context))?;
        Some(document(c, obj, &at, context, flow, address_country))
    };
    let photo_id = one(c, "photo_id", ContextType::PhotoId);
    let proof_of_address = one(c, "proof_of_address", ContextType::ProofOfAddress);
    if let (Some(Some(p)), Some(Some(a))) = (&photo_id, &proof_of_address) {
        if p.document_type == a.document_type {
            c.push(VerificationError::DocumentTypesIdentical {
                field: format!("{AT}.proof_of_address.type"),
            });
        }
    }
    Some(ExpectedDocuments {
        photo_id: match photo_id {
            Some(p) => Some(p?),
            None => None,
        },
        proof_of_address: match proof_of_address {
            Some(a) => Some(a?),
            None => None,
        },
    })
}

fn document(
    c: &mut Check,
    obj: &Map<String, Value>,
    at: &str,
    context: ContextType,
    flow: &FlowConfig,
    address_country: Option<Country>,
) -> Option<ExpectedDocument> {
    let name = c.string(obj, at, "type", true);
    let number = c.string(obj, at, "number", false);
    let doc_country = c.country(obj, at, "country", false);
    let country_failed = c.failed(&format!("{at}.country"));
    // A refused country of its own is reported once: the type is then checked
    // against the flow alone, not against the address's country.
    let check_country = if country_failed {
        None
    } else {
        doc_country.or(address_country)
    };
    let field = format!("{at}.type");
    let document_type = c.document_type(&field, &name?, context, flow, check_country);
    if country_failed {
        return None;
    }
    Some(ExpectedDocument {
        document_type: document_type?,
        number,
        country: doc_country,
    })
}

#[cfg(test)]
#[path = "expected_tests.rs"]
mod tests;
