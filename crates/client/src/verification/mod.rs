//! The verification surface (Colleckt-compatible document verification): typed
//! requests and responses for every route, and [`VerificationApi`], the handle
//! ([`Client::verification`](crate::Client::verification)) whose methods call
//! them.
//!
//! Every call is authenticated by a workspace API token `<id>|<secret>`
//! ([`ApiToken`], given to [`ClientBuilder::api_token`](crate::ClientBuilder::api_token)),
//! sent as `Authorization: Bearer <id>|<secret>`. Answers arrive in the
//! `{"data": …}` envelope, which the handle unwraps; lists come a page at a time
//! ([`Page`]) and [`Pages`] walks them. A failure is the crate's one
//! [`Error`](crate::Error); [`VerificationFailure`] reads it as the surface's
//! typed [`VerificationError`] and lists the fields of a 422.
//!
//! Field names are snake_case on the wire, as the surface documents them;
//! requests leave out members that are `None` and responses accept missing
//! optional members (the omit-empty convention).
//!
//! ```no_run
//! use idv_client::{ApiToken, Client};
//! use idv_client::verification::{
//!     Address, CreateVerification, ExpectedData, ExpectedDocument, Flow, Person,
//!     VerificationFailure,
//! };
//!
//! # async fn run() -> Result<(), idv_client::Error> {
//! let client = Client::builder()
//!     .base_url("http://127.0.0.1:8080")
//!     .api_token(ApiToken::new("tok_0a1b2c3d4e5f6071|secret"))
//!     .build()?;
//! let expected = ExpectedData::new(Person::new("Jane", "Doe").date_of_birth("1990-04-12"))
//!     .address(Address::new("1 Main St", "Springfield", "62701", "USA").state("IL"))
//!     .photo_id(ExpectedDocument::new("Driver License").number("D1234567").country("USA"))
//!     .proof_of_address(ExpectedDocument::new("Utility Bill"));
//! let api = client.verification();
//! match api.create(Flow::Usps1583, &CreateVerification::new(expected)).await {
//!     Ok(v) => println!("{} is {}; send the user to {}", v.id, v.status, v.url),
//!     Err(e) if e.status() == Some(422) => {
//!         for f in e.field_errors() {
//!             println!("{}: {}", f.field, f.message);
//!         }
//!     }
//!     Err(e) => return Err(e),
//! }
//! let mut pages = api.pages(Some(Flow::Usps1583), Some(50));
//! while let Some(page) = pages.next_page().await {
//!     for v in page?.data {
//!         println!("{} {}", v.id, v.status);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod blacklist;
mod document;
mod errors;
mod expected;
mod handle;
mod model;

pub use blacklist::{BlacklistEntry, NewBlacklistEntry};
pub use document::{
    Decision, DecisionStatus, Document, DocumentStatus, DocumentUpload, ExtractedAddress,
    ExtractedData, NewDecision, NewDocument, Validation,
};
pub use errors::{FieldError, VerificationFailure};
pub use expected::{
    Address, CreateVerification, ExpectedData, ExpectedDocument, ExpectedDocuments, NewComment,
    Person,
};
pub use handle::{ListQuery, Pages, VerificationApi};
pub use idv_core::VerificationError;
pub use model::{
    Comment, Flow, HistoryEntry, Page, PageLinks, PageMeta, Verification, VerificationStatus,
};

use std::fmt;

/// A workspace API token `<id>|<secret>` (`idv admin token create` prints one).
/// `Debug` shows the id and never the secret.
///
/// ```
/// use idv_client::ApiToken;
///
/// let t = ApiToken::new("tok_0a1b2c3d4e5f6071|s3cret");
/// assert_eq!(t.id(), "tok_0a1b2c3d4e5f6071");
/// assert!(!format!("{t:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// The token as `idv` printed it (surrounding white space dropped).
    pub fn new(token: impl Into<String>) -> ApiToken {
        ApiToken(token.into().trim().to_string())
    }

    /// The part before `|`: the id the history and comments name as `actor`.
    pub fn id(&self) -> &str {
        self.0.split('|').next().unwrap_or_default()
    }

    /// The whole token, for the `Authorization` header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiToken({}|<redacted>)", self.id())
    }
}

#[cfg(test)]
mod tests;
