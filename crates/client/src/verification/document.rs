//! A verification's documents as the contract writes them: what was uploaded,
//! what extraction read, the validation rules' results and the decisions.
//! [`show`](super::VerificationApi::show) returns them inside the verification,
//! [`upload_document`](super::VerificationApi::upload_document),
//! [`document`](super::VerificationApi::document),
//! [`delete_document`](super::VerificationApi::delete_document) and
//! [`decide`](super::VerificationApi::decide) one at a time; and the requests
//! of the upload ([`NewDocument`]) and of a decision ([`NewDecision`]).

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A status number with its labels; a number this version does not know is
/// kept as `Other(n)`.
macro_rules! numbered {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $n:literal, $label:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)*
            /// A status number this version of the SDK does not know.
            Other(i64),
        }

        impl $name {
            /// Its number on the wire.
            pub const fn value(self) -> i64 {
                match self {
                    $($name::$variant => $n,)*
                    $name::Other(n) => n,
                }
            }

            /// The status of a number.
            pub const fn from_value(n: i64) -> $name {
                match n {
                    $($n => $name::$variant,)*
                    n => $name::Other(n),
                }
            }

            /// Its label, as `status_label` spells it (`Unknown` for `Other`).
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                    $name::Other(_) => "Unknown",
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.value())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                i64::deserialize(d).map($name::from_value)
            }
        }
    };
}

numbered! {
    /// A document's status (`status`, 1–7).
    DocumentStatus {
        /// 1: uploaded, awaiting a decision.
        Uploaded = 1, "Uploaded";
        /// 2: being processed.
        InProgress = 2, "In progress";
        /// 3: approved.
        Approved = 3, "Approved";
        /// 4: rejected.
        Rejected = 4, "Rejected";
        /// 5: needs a manual review.
        DoubleCheck = 5, "Double check";
        /// 6: its verification was canceled.
        Canceled = 6, "Canceled";
        /// 7: extraction read it.
        Extracted = 7, "Extracted";
    }
}

numbered! {
    /// A decision's status (`status`, 1–4), in a [`Decision`] and a [`NewDecision`].
    DecisionStatus {
        /// 1: approves the document.
        Approved = 1, "APPROVED";
        /// 2: rejects it.
        Rejected = 2, "REJECTED";
        /// 3: asks for a double check.
        DoubleCheck = 3, "DOUBLE_CHECK";
        /// 4: withdraws the document's current decision.
        Canceled = 4, "CANCELED";
    }
}

/// A document of a verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `doc_…`.
    pub id: String,
    /// The verification it belongs to (`ver_…`).
    pub verification: String,
    /// `PHOTO_ID`, `PROOF_OF_ADDRESS` or `SELFIE`.
    pub context_type: String,
    /// The document type (`Driver License`, `Utility Bill`, …).
    #[serde(rename = "type")]
    pub document_type: String,
    /// The issuing country, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The status (1 Uploaded … 7 Extracted).
    pub status: DocumentStatus,
    /// The status's label.
    #[serde(default)]
    pub status_label: String,
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
    pub created_at: String,
}

/// What extraction read from a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractedData {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// Document type as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// Issuing country, alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Expiry date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Country, alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One validation rule applied to a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The rule (`name`, `date_of_birth`, …).
    pub rule: String,
    /// `pass`, `warning` or `fail`.
    pub result: String,
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
    pub id: String,
    /// 1 Approved, 2 Rejected, 3 Double check, 4 Canceled.
    pub status: DecisionStatus,
    /// The status's label (`APPROVED`, …).
    #[serde(default)]
    pub status_label: String,
    /// `Automatic`, or who decided by hand.
    #[serde(default)]
    pub validation_workflow: String,
    /// The reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When.
    pub created_at: String,
}

/// `base64` of `bytes` (standard alphabet, padded).
fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The body of [`upload_document`](super::VerificationApi::upload_document):
/// one document image (PNG or JPEG, at most 10 MB decoded) for one context of a
/// Started verification.
///
/// ```
/// use idv_client::verification::NewDocument;
///
/// let png: &[u8] = b"\x89PNG\r\n\x1a\n"; // the signature; a real file follows it
/// let doc = NewDocument::from_image("ver_1", "PHOTO_ID", "Driver License", png)
///     .country("USA")
///     .back_side_image(png);
/// assert_eq!(doc.document.image, "iVBORw0KGgo=");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDocument {
    /// The verification's id (`ver_…`).
    pub verification: String,
    /// The document and its front image.
    pub document: DocumentUpload,
    /// The back side's image, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_side_data: Option<String>,
}

/// The `document` member of a [`NewDocument`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentUpload {
    /// `PHOTO_ID`, `PROOF_OF_ADDRESS` or `SELFIE` (any letter case).
    pub context_type: String,
    /// The document type (`Driver License`, `Utility Bill`, …), any letter case.
    #[serde(rename = "type")]
    pub document_type: String,
    /// The issuing country, ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The image, base64 (standard or URL-safe, padding optional, or a `data:` URL).
    pub image: String,
}

impl NewDocument {
    /// A document of `context_type` and `document_type` for `verification`,
    /// with its image already base64.
    pub fn new(
        verification: impl Into<String>,
        context_type: impl Into<String>,
        document_type: impl Into<String>,
        image_base64: impl Into<String>,
    ) -> NewDocument {
        NewDocument {
            verification: verification.into(),
            document: DocumentUpload {
                context_type: context_type.into(),
                document_type: document_type.into(),
                country: None,
                image: image_base64.into(),
            },
            back_side_data: None,
        }
    }

    /// As [`new`](Self::new), from the image's bytes (encoded here).
    pub fn from_image(
        verification: impl Into<String>,
        context_type: impl Into<String>,
        document_type: impl Into<String>,
        image: &[u8],
    ) -> NewDocument {
        NewDocument::new(verification, context_type, document_type, encode(image))
    }

    /// The issuing country, alpha-3.
    pub fn country(mut self, country: impl Into<String>) -> NewDocument {
        self.document.country = Some(country.into());
        self
    }

    /// The back side's image, already base64.
    pub fn back_side(mut self, image_base64: impl Into<String>) -> NewDocument {
        self.back_side_data = Some(image_base64.into());
        self
    }

    /// The back side's image from its bytes (encoded here).
    pub fn back_side_image(self, image: &[u8]) -> NewDocument {
        self.back_side(encode(image))
    }
}

/// The body of [`decide`](super::VerificationApi::decide): a manual decision on
/// a document.
///
/// ```
/// use idv_client::verification::{DecisionStatus, NewDecision};
///
/// let d = NewDecision::new("doc_1", DecisionStatus::Rejected).reason("Photo unreadable.");
/// assert_eq!(d.status.value(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDecision {
    /// 1 approve, 2 reject, 3 double check, 4 withdraw the current decision.
    pub status: DecisionStatus,
    /// The document's id (`doc_…`).
    pub document: String,
    /// Who or what decided (the server's default: `Manual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_workflow: Option<String>,
    /// Why (at most 255 characters; stored sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl NewDecision {
    /// A decision of `status` on `document`.
    pub fn new(document: impl Into<String>, status: DecisionStatus) -> NewDecision {
        NewDecision {
            status,
            document: document.into(),
            validation_workflow: None,
            reason: None,
        }
    }

    /// The reason.
    pub fn reason(mut self, reason: impl Into<String>) -> NewDecision {
        self.reason = Some(reason.into());
        self
    }

    /// Who or what decided.
    pub fn validation_workflow(mut self, workflow: impl Into<String>) -> NewDecision {
        self.validation_workflow = Some(workflow.into());
        self
    }
}
