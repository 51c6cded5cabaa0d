//! A verification's documents as the contract writes them: what was uploaded,
//! what extraction read, the validation rules' results and the decisions.
//! [`show`](super::VerificationApi::show) returns them inside the verification;
//! the document and decision calls themselves come with the document endpoints.

use serde::{Deserialize, Serialize};

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
    /// 1 Uploaded, 2 In progress, 3 Approved, 4 Rejected, 5 Double check,
    /// 6 Canceled, 7 Extracted.
    pub status: i64,
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
    pub status: i64,
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
