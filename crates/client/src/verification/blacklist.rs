//! The workspace's address blacklist: entries, and the body that adds one.

use serde::{Deserialize, Serialize};

/// An entry of the address blacklist: a full address or some of its
/// components (a document's address matches when every given one matches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlacklistEntry {
    /// `abl_…`.
    pub id: String,
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
    /// When it was added.
    pub created_at: String,
}

/// `POST /api/v1/address-blacklist`: at least one component.
///
/// ```
/// use idv_client::verification::NewBlacklistEntry;
///
/// let req = NewBlacklistEntry::default().postal_code("62701").country("USA");
/// assert_eq!(
///     idv_core::json::to_string(&req).unwrap(),
///     r#"{"postal_code":"62701","country":"USA"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewBlacklistEntry {
    /// Street line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-3 country, any letter case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl NewBlacklistEntry {
    /// Sets `street`.
    pub fn street(mut self, v: impl Into<String>) -> Self {
        self.street = Some(v.into());
        self
    }
    /// Sets `city`.
    pub fn city(mut self, v: impl Into<String>) -> Self {
        self.city = Some(v.into());
        self
    }
    /// Sets `state`.
    pub fn state(mut self, v: impl Into<String>) -> Self {
        self.state = Some(v.into());
        self
    }
    /// Sets `postal_code`.
    pub fn postal_code(mut self, v: impl Into<String>) -> Self {
        self.postal_code = Some(v.into());
        self
    }
    /// Sets `country`.
    pub fn country(mut self, v: impl Into<String>) -> Self {
        self.country = Some(v.into());
        self
    }
}
