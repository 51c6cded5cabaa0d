//! The verification flows (`usps1583`, `identity`) and what each accepts: the
//! document contexts it requires, the document types accepted per context and
//! per country, and the type + country pairs it forbids.
//!
//! The defaults are `data/verification-flows.toml`, compiled into the binary and
//! checked by the tests below; a workspace stores [`FlowOverrides`] (JSON) and
//! [`FlowConfig::with`] merges them over the defaults. Nothing here does I/O.

use crate::domain::country::Country;
use idv_core::outcomes::ContextType;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

/// A verification flow: the `{flow}` segment of `/api/v1/{flow}/…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flow {
    /// `usps1583`: USPS Form 1583, a photo ID and a proof of address.
    Usps1583,
    /// `identity`: a photo ID and a selfie.
    Identity,
}

impl Flow {
    /// Every flow, in the order the docs list them.
    pub const ALL: &'static [Flow] = &[Flow::Usps1583, Flow::Identity];

    /// The path segment (`usps1583`).
    pub const fn path(self) -> &'static str {
        match self {
            Flow::Usps1583 => "usps1583",
            Flow::Identity => "identity",
        }
    }

    /// The display name the API returns in `flow` (`USPS 1583`).
    pub const fn display(self) -> &'static str {
        match self {
            Flow::Usps1583 => "USPS 1583",
            Flow::Identity => "Identity",
        }
    }

    /// The flow of a path segment, exactly as written (`/api/v1/USPS1583/…`
    /// is an unknown path, as any other wrong segment).
    pub fn from_path(segment: &str) -> Option<Flow> {
        Flow::ALL.iter().copied().find(|f| f.path() == segment)
    }

    /// The flow's default configuration (`data/verification-flows.toml`).
    pub fn defaults(self) -> &'static FlowConfig {
        let d = &*DEFAULTS;
        match self {
            Flow::Usps1583 => &d.usps1583.config,
            Flow::Identity => &d.identity.config,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

impl Serialize for Flow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.display())
    }
}

impl<'de> Deserialize<'de> for Flow {
    /// Either spelling: the display name or the path segment.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flow, D::Error> {
        let s = String::deserialize(d)?;
        Flow::ALL
            .iter()
            .copied()
            .find(|f| f.display() == s || f.path() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown flow {s:?}")))
    }
}

/// A document context (`PHOTO_ID`, `PROOF_OF_ADDRESS`, `SELFIE`), the catalogue's
/// [`ContextType`] with its wire spelling in JSON and TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context(pub ContextType);

impl Context {
    /// The context named `s` (`PHOTO_ID`, in any letter case), or `None`.
    pub fn parse(s: &str) -> Option<Context> {
        ContextType::ALL
            .iter()
            .copied()
            .find(|c| c.wire().eq_ignore_ascii_case(s.trim()))
            .map(Context)
    }
}

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.wire())
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Context, D::Error> {
        let s = String::deserialize(d)?;
        Context::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown context {s:?} (PHOTO_ID, PROOF_OF_ADDRESS or SELFIE)"
            ))
        })
    }
}

/// The document types the API names, with their canonical spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentType {
    /// `Passport`.
    Passport,
    /// `Passport Card`.
    PassportCard,
    /// `Driver License`.
    DriverLicense,
    /// `State ID`.
    StateId,
    /// `Military ID`.
    MilitaryId,
    /// `Permanent Resident Card`.
    PermanentResidentCard,
    /// `Utility Bill`.
    UtilityBill,
    /// `Lease`.
    Lease,
    /// `Mortgage Statement`.
    MortgageStatement,
    /// `Vehicle Registration`.
    VehicleRegistration,
    /// `Insurance Policy`.
    InsurancePolicy,
    /// `Bank Statement`.
    BankStatement,
    /// `Selfie`.
    Selfie,
}

impl DocumentType {
    /// Every type, in the order the contract lists them.
    pub const ALL: &'static [DocumentType] = &[
        DocumentType::Passport,
        DocumentType::PassportCard,
        DocumentType::DriverLicense,
        DocumentType::StateId,
        DocumentType::MilitaryId,
        DocumentType::PermanentResidentCard,
        DocumentType::UtilityBill,
        DocumentType::Lease,
        DocumentType::MortgageStatement,
        DocumentType::VehicleRegistration,
        DocumentType::InsurancePolicy,
        DocumentType::BankStatement,
        DocumentType::Selfie,
    ];

    /// The canonical spelling (`Driver License`).
    pub const fn name(self) -> &'static str {
        match self {
            DocumentType::Passport => "Passport",
            DocumentType::PassportCard => "Passport Card",
            DocumentType::DriverLicense => "Driver License",
            DocumentType::StateId => "State ID",
            DocumentType::MilitaryId => "Military ID",
            DocumentType::PermanentResidentCard => "Permanent Resident Card",
            DocumentType::UtilityBill => "Utility Bill",
            DocumentType::Lease => "Lease",
            DocumentType::MortgageStatement => "Mortgage Statement",
            DocumentType::VehicleRegistration => "Vehicle Registration",
            DocumentType::InsurancePolicy => "Insurance Policy",
            DocumentType::BankStatement => "Bank Statement",
            DocumentType::Selfie => "Selfie",
        }
    }

    /// The type named `s`, matched without regard to letter case or to the
    /// whitespace around it (`driver license` is `Driver License`).
    pub fn parse(s: &str) -> Option<DocumentType> {
        let s = s.trim();
        DocumentType::ALL
            .iter()
            .copied()
            .find(|t| t.name().eq_ignore_ascii_case(s))
    }

    /// Whether the type can stand for `context` at all: a selfie is the only
    /// type of the SELFIE context and belongs to no other.
    pub fn fits(self, context: ContextType) -> bool {
        (self == DocumentType::Selfie) == (context == ContextType::Selfie)
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for DocumentType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for DocumentType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DocumentType, D::Error> {
        let s = String::deserialize(d)?;
        DocumentType::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown document type {s:?}")))
    }
}

/// The document types one context accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextTypes {
    /// Accepted for a document of any country without an entry in `countries`
    /// (and for a document whose country is not known).
    pub default: Vec<DocumentType>,
    /// Accepted for a document of this country, instead of `default`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub countries: BTreeMap<Country, Vec<DocumentType>>,
}

impl ContextTypes {
    /// The types accepted for a document of `country`.
    pub fn for_country(&self, country: Option<Country>) -> &[DocumentType] {
        country
            .and_then(|c| self.countries.get(&c))
            .unwrap_or(&self.default)
    }

    /// Whether any list names `ty`.
    pub fn names(&self, ty: DocumentType) -> bool {
        self.default.contains(&ty) || self.countries.values().any(|l| l.contains(&ty))
    }
}

/// The accepted types of each context; a context without an entry is not
/// accepted by the flow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contexts {
    /// `PHOTO_ID`.
    #[serde(rename = "PHOTO_ID", default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<ContextTypes>,
    /// `PROOF_OF_ADDRESS`.
    #[serde(
        rename = "PROOF_OF_ADDRESS",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub proof_of_address: Option<ContextTypes>,
    /// `SELFIE`.
    #[serde(rename = "SELFIE", default, skip_serializing_if = "Option::is_none")]
    pub selfie: Option<ContextTypes>,
}

impl Contexts {
    /// The entry of `context`.
    pub fn get(&self, context: ContextType) -> Option<&ContextTypes> {
        match context {
            ContextType::PhotoId => self.photo_id.as_ref(),
            ContextType::ProofOfAddress => self.proof_of_address.as_ref(),
            ContextType::Selfie => self.selfie.as_ref(),
        }
    }

    fn slot(&mut self, context: ContextType) -> &mut Option<ContextTypes> {
        match context {
            ContextType::PhotoId => &mut self.photo_id,
            ContextType::ProofOfAddress => &mut self.proof_of_address,
            ContextType::Selfie => &mut self.selfie,
        }
    }
}

/// A document type refused for one issuing country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForbiddenPair {
    /// The document type.
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    /// The issuing country.
    pub country: Country,
}

/// What one flow accepts: the defaults of the data file, or a workspace's
/// configuration after [`FlowConfig::with`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// The contexts a verification must hold before it can be submitted.
    pub required: Vec<Context>,
    /// The accepted types per context and per country.
    pub contexts: Contexts,
    /// Type + country pairs refused whatever the lists say.
    #[serde(default)]
    pub forbidden: Vec<ForbiddenPair>,
}

/// Why a document type named in a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRefusal {
    /// The name is not a document type, or the flow does not take it for this
    /// context (catalogue: `document_type_not_in_flow`).
    NotInFlow,
    /// The flow takes the type for this context, but not from this country
    /// (catalogue: `document_type_country_forbidden`).
    ForbiddenForCountry(DocumentType, Country),
}

impl FlowConfig {
    /// Whether the flow accepts documents of `context` at all.
    pub fn accepts(&self, context: ContextType) -> bool {
        self.contexts.get(context).is_some()
    }

    /// Whether `context` must be present before submitting.
    pub fn requires(&self, context: ContextType) -> bool {
        self.required.iter().any(|c| c.0 == context)
    }

    /// Checks a document type named in a request for `context`, with the
    /// document's country when known, and returns the canonical type.
    pub fn check_type(
        &self,
        context: ContextType,
        name: &str,
        country: Option<Country>,
    ) -> Result<DocumentType, TypeRefusal> {
        let ty = DocumentType::parse(name).ok_or(TypeRefusal::NotInFlow)?;
        let types = self.contexts.get(context).ok_or(TypeRefusal::NotInFlow)?;
        if !types.names(ty) {
            return Err(TypeRefusal::NotInFlow);
        }
        let Some(country) = country else {
            return Ok(ty);
        };
        let forbidden = self
            .forbidden
            .iter()
            .any(|p| p.document_type == ty && p.country == country);
        if forbidden || !types.for_country(Some(country)).contains(&ty) {
            return Err(TypeRefusal::ForbiddenForCountry(ty, country));
        }
        Ok(ty)
    }

    /// The configuration with a workspace's overrides applied: each part the
    /// overrides give replaces the default's (a context's `countries` entry by
    /// entry), and the result is checked.
    pub fn with(&self, overrides: &FlowOverrides) -> Result<FlowConfig, Vec<String>> {
        let mut out = self.clone();
        if let Some(required) = &overrides.required {
            out.required = required.clone();
        }
        if let Some(contexts) = &overrides.contexts {
            for (context, o) in contexts.entries() {
                let Some(o) = o else { continue };
                let slot = out.contexts.slot(context);
                let mut types = slot.take().unwrap_or(ContextTypes {
                    default: Vec::new(),
                    countries: BTreeMap::new(),
                });
                if let Some(default) = &o.default {
                    types.default = default.clone();
                }
                if let Some(countries) = &o.countries {
                    for (c, list) in countries {
                        types.countries.insert(*c, list.clone());
                    }
                }
                *slot = Some(types);
            }
        }
        if let Some(forbidden) = &overrides.forbidden {
            out.forbidden = forbidden.clone();
        }
        let problems = out.problems();
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// Everything wrong with the configuration, in words (empty when it is sound):
    /// a required context the flow does not accept, a context that accepts no
    /// type, a type that cannot stand for its context, a type listed twice.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.required.is_empty() {
            out.push("required: must name at least one context".to_string());
        }
        for (i, c) in self.required.iter().enumerate() {
            if !self.accepts(c.0) {
                out.push(format!(
                    "required: {} is required but contexts has no entry for it",
                    c.0.wire()
                ));
            }
            if self.required[..i].contains(c) {
                out.push(format!("required: {} is listed twice", c.0.wire()));
            }
        }
        for context in ContextType::ALL.iter().copied() {
            let Some(types) = self.contexts.get(context) else {
                continue;
            };
            let lists = std::iter::once(("default".to_string(), &types.default)).chain(
                types
                    .countries
                    .iter()
                    .map(|(c, l)| (format!("countries.{c}"), l)),
            );
            for (name, list) in lists {
                let at = format!("contexts.{}.{name}", context.wire());
                for (i, t) in list.iter().enumerate() {
                    if !t.fits(context) {
                        out.push(format!("{at}: {t} cannot be a {} document", context.wire()));
                    }
                    if list[..i].contains(t) {
                        out.push(format!("{at}: {t} is listed twice"));
                    }
                }
            }
            if types.default.is_empty() && types.countries.values().all(Vec::is_empty) {
                out.push(format!(
                    "contexts.{}: accepts no document type",
                    context.wire()
                ));
            }
        }
        out
    }
}

/// A workspace's changes to one flow, stored as JSON: every part is optional and
/// replaces the default's part when given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowOverrides {
    /// Replaces the required contexts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<Context>>,
    /// Changes the accepted types of some contexts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contexts: Option<ContextOverrides>,
    /// Replaces the forbidden pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden: Option<Vec<ForbiddenPair>>,
}

/// Per-context overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextOverrides {
    /// `PHOTO_ID`.
    #[serde(rename = "PHOTO_ID", default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<ContextOverride>,
    /// `PROOF_OF_ADDRESS`.
    #[serde(
        rename = "PROOF_OF_ADDRESS",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub proof_of_address: Option<ContextOverride>,
    /// `SELFIE`.
    #[serde(rename = "SELFIE", default, skip_serializing_if = "Option::is_none")]
    pub selfie: Option<ContextOverride>,
}

impl ContextOverrides {
    fn entries(&self) -> [(ContextType, Option<&ContextOverride>); 3] {
        [
            (ContextType::PhotoId, self.photo_id.as_ref()),
            (ContextType::ProofOfAddress, self.proof_of_address.as_ref()),
            (ContextType::Selfie, self.selfie.as_ref()),
        ]
    }
}

/// One context's overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextOverride {
    /// Replaces the default list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<DocumentType>>,
    /// Sets (or replaces) the list of each country named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<BTreeMap<Country, Vec<DocumentType>>>,
}

/// The data file, as written.
pub(crate) const DEFAULTS_TOML: &str = include_str!("../../data/verification-flows.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsFile {
    usps1583: FlowEntry,
    identity: FlowEntry,
}

#[derive(Debug, Deserialize)]
struct FlowEntry {
    /// The display name, written in the file for its readers; the tests check
    /// it against [`Flow::display`], which is what the server sends.
    #[cfg_attr(not(test), allow(dead_code))]
    display: String,
    #[serde(flatten)]
    config: FlowConfig,
}

/// Parses the data file; the tests check it, so a broken file fails them
/// before it can reach a server.
fn parse_defaults(text: &str) -> Result<DefaultsFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

static DEFAULTS: LazyLock<DefaultsFile> = LazyLock::new(|| {
    parse_defaults(DEFAULTS_TOML)
        .unwrap_or_else(|e| panic!("data/verification-flows.toml does not parse: {e}"))
});

#[cfg(test)]
#[path = "flows_tests.rs"]
mod tests;
