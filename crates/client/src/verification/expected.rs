//! What a verification is created with: the expected data its documents should
//! show, your references, and the comment body. The same [`ExpectedData`]
//! comes back in [`Verification::expected_data`](super::Verification), as the
//! server validated it.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/{flow}/verifications`.
///
/// ```
/// use idv_client::verification::{CreateVerification, ExpectedData, ExpectedDocument, Person};
///
/// let req = CreateVerification::new(
///     ExpectedData::new(Person::new("Jane", "Doe")).photo_id(ExpectedDocument::new("Passport")),
/// )
/// .vendor_reference("cust-1042");
/// // snake_case on the wire; members left as None are omitted.
/// assert_eq!(
///     idv_core::json::to_string(&req).unwrap(),
///     r#"{"expected_data":{"person":{"first_name":"Jane","last_name":"Doe"},"documents":{"photo_id":{"type":"Passport"}}},"vendor_reference":"cust-1042"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateVerification {
    /// What the documents are expected to show (required).
    pub expected_data: ExpectedData,
    /// Your own reference (at most 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_reference: Option<String>,
    /// Your state code, e.g. `TN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_state: Option<String>,
}

impl CreateVerification {
    /// A request with only the expected data.
    pub fn new(expected_data: ExpectedData) -> CreateVerification {
        CreateVerification {
            expected_data,
            vendor_reference: None,
            vendor_state: None,
        }
    }
    /// Sets `vendor_reference`.
    pub fn vendor_reference(mut self, v: impl Into<String>) -> Self {
        self.vendor_reference = Some(v.into());
        self
    }
    /// Sets `vendor_state`.
    pub fn vendor_state(mut self, v: impl Into<String>) -> Self {
        self.vendor_state = Some(v.into());
        self
    }
}

/// `expected_data`: the person, the address (required by `usps1583`) and the
/// documents expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedData {
    /// The person the documents belong to.
    pub person: Person,
    /// The address (the flows with a proof of address require it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// The documents expected.
    #[serde(default)]
    pub documents: ExpectedDocuments,
}

impl ExpectedData {
    /// Expected data of `person`, with no address and no documents yet.
    pub fn new(person: Person) -> ExpectedData {
        ExpectedData {
            person,
            address: None,
            documents: ExpectedDocuments::default(),
        }
    }
    /// Sets `address`.
    pub fn address(mut self, address: Address) -> Self {
        self.address = Some(address);
        self
    }
    /// Sets `documents.photo_id`.
    pub fn photo_id(mut self, document: ExpectedDocument) -> Self {
        self.documents.photo_id = Some(document);
        self
    }
    /// Sets `documents.proof_of_address`.
    pub fn proof_of_address(mut self, document: ExpectedDocument) -> Self {
        self.documents.proof_of_address = Some(document);
        self
    }
}

/// `expected_data.person`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

impl Person {
    /// A person by name.
    pub fn new(first_name: impl Into<String>, last_name: impl Into<String>) -> Person {
        Person {
            first_name: first_name.into(),
            last_name: last_name.into(),
            date_of_birth: None,
        }
    }
    /// Sets `date_of_birth` (`YYYY-MM-DD`).
    pub fn date_of_birth(mut self, v: impl Into<String>) -> Self {
        self.date_of_birth = Some(v.into());
        self
    }
}

/// `expected_data.address`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// Street line.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-3 country, any letter case.
    pub country: String,
}

impl Address {
    /// An address without a state.
    pub fn new(
        street: impl Into<String>,
        city: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl Into<String>,
    ) -> Address {
        Address {
            street: street.into(),
            city: city.into(),
            state: None,
            postal_code: postal_code.into(),
            country: country.into(),
        }
    }
    /// Sets `state`.
    pub fn state(mut self, v: impl Into<String>) -> Self {
        self.state = Some(v.into());
        self
    }
}

/// `expected_data.documents`: one expected document per context the flow
/// requires.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExpectedDocuments {
    /// The photo ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<ExpectedDocument>,
    /// The proof of address (of another type than the photo ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_of_address: Option<ExpectedDocument>,
}

/// An expected document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedDocument {
    /// The type (`Passport`, `Driver License`, `Utility Bill`, …), any letter case.
    #[serde(rename = "type")]
    pub document_type: String,
    /// The document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The issuing country, alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl ExpectedDocument {
    /// A document of `document_type`.
    pub fn new(document_type: impl Into<String>) -> ExpectedDocument {
        ExpectedDocument {
            document_type: document_type.into(),
            number: None,
            country: None,
        }
    }
    /// Sets `number`.
    pub fn number(mut self, v: impl Into<String>) -> Self {
        self.number = Some(v.into());
        self
    }
    /// Sets `country` (alpha-3).
    pub fn country(mut self, v: impl Into<String>) -> Self {
        self.country = Some(v.into());
        self
    }
}

/// `POST /api/v1/{flow}/verifications/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewComment {
    /// The text (at most 255 characters).
    pub body: String,
    /// Keep it from the detail view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
}

impl NewComment {
    /// A public comment.
    pub fn new(body: impl Into<String>) -> NewComment {
        NewComment {
            body: body.into(),
            private: None,
        }
    }
    /// A private comment (kept from the detail view).
    pub fn private(body: impl Into<String>) -> NewComment {
        NewComment {
            body: body.into(),
            private: Some(true),
        }
    }
}
