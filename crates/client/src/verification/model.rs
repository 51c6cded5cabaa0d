//! The verification surface's answers: [`Verification`] with its status, history
//! and comments, the flows, and the paginator envelope of the lists ([`Page`]).

use super::document::Document;
use super::expected::ExpectedData;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A flow of the surface: the path segment of its routes and the display name
/// its verifications carry in `flow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// USPS Form 1583: a photo ID and a proof of address (`usps1583`).
    Usps1583,
    /// A photo ID and a selfie (`identity`).
    Identity,
}

impl Flow {
    /// Every flow.
    pub const ALL: [Flow; 2] = [Flow::Usps1583, Flow::Identity];

    /// The path segment: `usps1583` or `identity`.
    pub const fn path(self) -> &'static str {
        match self {
            Flow::Usps1583 => "usps1583",
            Flow::Identity => "identity",
        }
    }

    /// The display name the API returns: `USPS 1583` or `Identity`.
    pub const fn display_name(self) -> &'static str {
        match self {
            Flow::Usps1583 => "USPS 1583",
            Flow::Identity => "Identity",
        }
    }

    /// The flow of a display name or a path segment (any letter case).
    pub fn parse(s: &str) -> Option<Flow> {
        Flow::ALL
            .into_iter()
            .find(|f| s.eq_ignore_ascii_case(f.path()) || s.eq_ignore_ascii_case(f.display_name()))
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl Serialize for Flow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.display_name())
    }
}

impl<'de> Deserialize<'de> for Flow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flow, D::Error> {
        let s = String::deserialize(d)?;
        Flow::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown flow {s:?}")))
    }
}

/// A verification's status (`status` on the wire; `status_label` is its
/// [`label`](VerificationStatus::label)). A number this version does not know
/// is kept as [`Other`](VerificationStatus::Other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationStatus {
    /// 1: created, awaiting documents.
    Started,
    /// 2: documents uploaded, being checked.
    Submitted,
    /// 3: approved.
    Approved,
    /// 4: rejected.
    Rejected,
    /// 5: needs a manual review.
    DoubleCheck,
    /// 6: timed out.
    Expired,
    /// 7: canceled.
    Canceled,
    /// 8: paused.
    Hold,
    /// A status number this version of the SDK does not know.
    Other(i64),
}

impl VerificationStatus {
    /// Its number on the wire (1–8).
    pub const fn value(self) -> i64 {
        match self {
            VerificationStatus::Started => 1,
            VerificationStatus::Submitted => 2,
            VerificationStatus::Approved => 3,
            VerificationStatus::Rejected => 4,
            VerificationStatus::DoubleCheck => 5,
            VerificationStatus::Expired => 6,
            VerificationStatus::Canceled => 7,
            VerificationStatus::Hold => 8,
            VerificationStatus::Other(n) => n,
        }
    }

    /// The status of a number.
    pub const fn from_value(n: i64) -> VerificationStatus {
        match n {
            1 => VerificationStatus::Started,
            2 => VerificationStatus::Submitted,
            3 => VerificationStatus::Approved,
            4 => VerificationStatus::Rejected,
            5 => VerificationStatus::DoubleCheck,
            6 => VerificationStatus::Expired,
            7 => VerificationStatus::Canceled,
            8 => VerificationStatus::Hold,
            n => VerificationStatus::Other(n),
        }
    }

    /// Its label, as `status_label` spells it (`Double Check`).
    pub const fn label(self) -> &'static str {
        match self {
            VerificationStatus::Started => "Started",
            VerificationStatus::Submitted => "Submitted",
            VerificationStatus::Approved => "Approved",
            VerificationStatus::Rejected => "Rejected",
            VerificationStatus::DoubleCheck => "Double Check",
            VerificationStatus::Expired => "Expired",
            VerificationStatus::Canceled => "Canceled",
            VerificationStatus::Hold => "Hold",
            VerificationStatus::Other(_) => "Unknown",
        }
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for VerificationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.value())
    }
}

impl<'de> Deserialize<'de> for VerificationStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VerificationStatus, D::Error> {
        i64::deserialize(d).map(VerificationStatus::from_value)
    }
}

/// A verification. `documents`, `history` and `comments` are filled only by
/// [`show`](super::VerificationApi::show) (the lists and the actions leave them
/// empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// `ver_…`.
    pub id: String,
    /// The end user's page.
    pub url: String,
    /// The URL of a PNG QR code of `url`.
    pub qr_code: String,
    /// Your own reference, as sent (gone once erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_reference: Option<String>,
    /// Your state code, as sent (gone once erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_state: Option<String>,
    /// The expected data as the server validated it (canonical document type
    /// spellings, upper-case countries); gone once erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_data: Option<ExpectedData>,
    /// The status (`status`).
    pub status: VerificationStatus,
    /// The status's label as sent (`status_label`).
    #[serde(default)]
    pub status_label: String,
    /// When it was first submitted (ISO 8601 UTC, microseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Its flow (sent as the display name).
    pub flow: Flow,
    /// Its documents (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
    /// Every change, oldest first (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
    /// Every comment, newest first, each with its `private` flag (detail view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

/// One entry of a verification's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `create`, a lifecycle action (`submit`, `approve`, …) or `erase`.
    pub action: String,
    /// The id of the API token that acted (the part before `|`).
    pub actor: String,
    /// The status before, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<VerificationStatus>,
    /// The status after, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<VerificationStatus>,
    /// When.
    pub created_at: String,
}

/// A comment on a verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// `com_…`.
    pub id: String,
    /// The text.
    pub body: String,
    /// Kept from the detail view.
    #[serde(default)]
    pub private: bool,
    /// The id of the API token that wrote it.
    pub actor: String,
    /// When.
    pub created_at: String,
}

/// One page of a list, in the paginator shape the surface answers:
/// `data`, `links` and `meta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page (empty past the end).
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// URLs of the neighbouring pages, as the server names itself.
    pub links: PageLinks,
    /// Where this page stands.
    pub meta: PageMeta,
}

impl<T> Page<T> {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.meta.current_page < self.meta.last_page
    }
}

/// `links` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageLinks {
    /// The first page.
    pub first: String,
    /// The last page.
    pub last: String,
    /// The previous page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// The next page, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `meta` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMeta {
    /// This page, from 1.
    pub current_page: u64,
    /// The position of its first item (absent on an empty page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<u64>,
    /// The last page (1 for an empty list).
    pub last_page: u64,
    /// The list's URL without its query.
    pub path: String,
    /// Items per page.
    pub per_page: u64,
    /// The position of its last item (absent on an empty page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// Items in the whole list.
    pub total: u64,
}
