//! The wire types of the verification surface, as the contract writes them:
//! `Verification`, `Document` (with its validations and decisions), history
//! entries, comments and address blacklist entries, with prefixed ids,
//! ISO 8601 UTC timestamps with microseconds and the omit-empty convention
//! (absent optional members and empty lists are not sent).
//!
//! Handlers build these from store records and send them in the `{"data": …}`
//! envelope; `status` and `status_label` always travel together, from one enum.

use crate::domain::country::Country;
use crate::domain::date::{CalendarDate, Timestamp};
use crate::verification::expected::{ExpectedData, Redacted};
use crate::verification::flows::{Context, DocumentType, Flow};
use crate::verification::status::{DecisionStatus, DocumentStatus, VerificationStatus};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Declares a prefixed id type: `<prefix>` followed by 32 lowercase hex digits
/// (a random UUID), never guessable.
macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new random id.
            pub fn generate() -> $name {
                $name(format!("{}{}", $prefix, uuid::Uuid::new_v4().simple()))
            }

            /// The id written `s`, or `None` when it is not one of this kind
            /// (another prefix, another length, upper-case or non-hex digits).
            pub fn parse(s: &str) -> Option<$name> {
                let rest = s.strip_prefix($prefix)?;
                let ok = rest.len() == 32
                    && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                ok.then(|| $name(s.to_string()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("{s:?} is not a {} id", $prefix))
                })
            }
        }
    };
}

prefixed_id!(
    /// A workspace id (`ws_…`).
    WorkspaceId,
    "ws_"
);
prefixed_id!(
    /// A verification id (`ver_…`).
    VerificationId,
    "ver_"
);
prefixed_id!(
    /// A document id (`doc_…`).
    DocumentId,
    "doc_"
);
prefixed_id!(
    /// A decision id (`dec_…`).
    DecisionId,
    "dec_"
);
prefixed_id!(
    /// A comment id (`com_…`; idv's choice, the contract names no prefix).
    CommentId,
    "com_"
);
prefixed_id!(
    /// An address blacklist entry id (`abl_…`; idv's choice, the contract names no prefix).
    BlacklistId,
    "abl_"
);

/// Serializes a status enum as the two members `status` (its number) and
/// `status_label` (its wire token: the label for verifications and documents,
/// `APPROVED`, `REJECTED`, `DOUBLE_CHECK`, `CANCELED` for decisions, as the API
/// names them), for `#[serde(flatten)]`.
macro_rules! status_pair {
    ($name:ident, $inner:ty) => {
        /// `status` and `status_label`, from one value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $inner);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("status", &self.0.value())?;
                m.serialize_entry("status_label", self.0.wire())?;
                m.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                #[derive(Deserialize)]
                struct Pair {
                    status: i64,
                }
                let p = Pair::deserialize(d)?;
                <$inner>::from_value(p.status)
                    .map($name)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown status {}", p.status)))
            }
        }
    };
}

status_pair!(VerificationStatusPair, VerificationStatus);
status_pair!(DocumentStatusPair, DocumentStatus);
status_pair!(DecisionStatusPair, DecisionStatus);

/// A verification, as `GET /api/v1/{flow}/verifications/{id}` answers it.
/// `documents`, `history` and `comments` are filled only in the detail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// `ver_…`.
    pub id: VerificationId,
    /// The end-user capture page.
    pub url: String,
    /// The URL of a PNG QR code of `url`.
    pub qr_code: String,
    /// The caller's own reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_reference: Option<String>,
    /// The caller's state code (e.g. `TN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_state: Option<String>,
    /// What the caller expects the documents to show; absent once erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_data: Option<ExpectedData>,
    /// `status` (1–8) and `status_label`.
    #[serde(flatten)]
    pub status: VerificationStatusPair,
    /// When it was submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The flow's display name (`USPS 1583`, `Identity`).
    pub flow: Flow,
    /// Its documents, oldest first (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
    /// Every action on it, oldest first (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// Its non-private comments, newest first (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

/// A document, as `GET /api/v1/{flow}/documents/{id}` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `doc_…`.
    pub id: DocumentId,
    /// The verification it belongs to.
    pub verification: VerificationId,
    /// `PHOTO_ID`, `PROOF_OF_ADDRESS` or `SELFIE`.
    pub context_type: Context,
    /// The document type, canonical spelling.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    /// The issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// `status` (1–7) and `status_label`.
    #[serde(flatten)]
    pub status: DocumentStatusPair,
    /// A signed URL of the image, valid 5 minutes (absent once erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// What extraction read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extracted_data: Option<ExtractedData>,
    /// The validation rules' results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<Validation>,
    /// The decisions, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

/// What extraction read from a document (and the field names of the
/// sandbox's embedded data).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractedData {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<CalendarDate>,
    /// Document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// Document type as read (free text: it is compared, not trusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// Issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// Expiry date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<CalendarDate>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<ExtractedAddress>,
    /// Sex as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// Which provider read it: `embedded`, `barcode`, `mrz`, `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Selfies: whether a face was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_detected: Option<bool>,
    /// Selfies: the matcher's score, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_score: Option<f64>,
}

/// An address as extracted: any part may be missing.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedAddress {
    /// Street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
}

impl fmt::Debug for ExtractedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractedData")
            .field("first_name", &Redacted(&self.first_name))
            .field("last_name", &Redacted(&self.last_name))
            .field("date_of_birth", &Redacted(&self.date_of_birth))
            .field("document_number", &Redacted(&self.document_number))
            .field("document_type", &self.document_type)
            .field("country", &self.country)
            .field("expiry_date", &self.expiry_date)
            .field("address", &self.address)
            .field("sex", &Redacted(&self.sex))
            .field("source", &self.source)
            .field("face_detected", &self.face_detected)
            .field("face_score", &self.face_score)
            .finish()
    }
}

impl fmt::Debug for ExtractedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractedAddress")
            .field("street", &Redacted(&self.street))
            .field("city", &Redacted(&self.city))
            .field("state", &self.state)
            .field("postal_code", &Redacted(&self.postal_code))
            .field("country", &self.country)
            .finish()
    }
}

/// A validation rule's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleResult {
    /// `pass`.
    Pass,
    /// `warning`.
    Warning,
    /// `fail`.
    Fail,
}

/// One validation rule applied to a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The rule (`name`, `date_of_birth`, …).
    pub rule: String,
    /// `pass`, `warning` or `fail`.
    pub result: RuleResult,
    /// The expected value compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The extracted value compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extracted: Option<String>,
    /// A similarity score, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Why it warned or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A decision on a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// `dec_…`.
    pub id: DecisionId,
    /// `status` (1–4) and `status_label`.
    #[serde(flatten)]
    pub status: DecisionStatusPair,
    /// Who or what decided: `Automatic`, or `Manual by …`.
    pub validation_workflow: String,
    /// The reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// One entry of a verification's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// What happened: `create`, a lifecycle action (`submit`, …), `upload`,
    /// `decision`, `erase`, ….
    pub action: String,
    /// Who: an API token id, a user, or `system`.
    pub actor: String,
    /// The status before, when it changed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "status_number"
    )]
    pub from_status: Option<VerificationStatus>,
    /// The status after, when it changed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "status_number"
    )]
    pub to_status: Option<VerificationStatus>,
    /// When.
    pub created_at: Timestamp,
}

/// A verification status as its number.
mod status_number {
    use super::VerificationStatus;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        v: &Option<VerificationStatus>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_i64(v.value()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<VerificationStatus>, D::Error> {
        match Option::<i64>::deserialize(d)? {
            None => Ok(None),
            Some(n) => VerificationStatus::from_value(n)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown status {n}"))),
        }
    }
}

/// A comment on a verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// `com_…`.
    pub id: CommentId,
    /// The text.
    pub body: String,
    /// Private comments are kept from the detail view.
    #[serde(default)]
    pub private: bool,
    /// Who wrote it: an API token id or a user.
    pub actor: String,
    /// When.
    pub created_at: Timestamp,
}

/// An entry of the workspace's address blacklist: a full address or some of
/// its components (each given component must match).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlacklistEntry {
    /// `abl_…`.
    pub id: BlacklistId,
    /// Street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// When it was added.
    pub created_at: Timestamp,
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
