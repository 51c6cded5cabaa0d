//! The instance's region and tier.

use serde::Deserialize;

/// The instance's region: which phone numbers it serves (seed 000, code 8010).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// The North American Numbering Plan countries (`+1`), per `data/regions.toml`.
    Us,
    /// The EU and EEA states, the UK and Switzerland, per `data/regions.toml`.
    Eu,
}

impl Region {
    /// `us` or `eu`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            other => Err(format!("unknown region {other:?}: use us or eu")),
        }
    }
}

/// The instance's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Sandbox: the documented test users, no real carriers.
    Sandbox,
    /// Production: real providers (none ship with idv yet).
    Production,
}

impl Tier {
    /// `sandbox` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Sandbox => "sandbox",
            Tier::Production => "production",
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Tier::Sandbox),
            "production" => Ok(Tier::Production),
            other => Err(format!("unknown tier {other:?}: use sandbox or production")),
        }
    }
}
