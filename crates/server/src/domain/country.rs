//! ISO 3166-1 alpha-3 country codes, as the verification API names countries
//! (`USA`, `GBR`, `CAN`): checked against the `isocountry` crate's table of the
//! 249 assigned codes, so a made-up code such as `XYZ` is refused.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A checked ISO 3166-1 alpha-3 code, kept in upper case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 3]);

/// Why a country was refused, as an error message says it.
pub const COUNTRY_RULE: &str = "must be an ISO 3166-1 alpha-3 country code";

impl Country {
    /// Parses an assigned alpha-3 code, in any letter case (`usa` is `USA`).
    pub fn parse(s: &str) -> Result<Country, &'static str> {
        let b = s.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(COUNTRY_RULE);
        }
        let upper = [
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ];
        let text = std::str::from_utf8(&upper).map_err(|_| COUNTRY_RULE)?;
        isocountry::CountryCode::for_alpha3(text).map_err(|_| COUNTRY_RULE)?;
        Ok(Country(upper))
    }

    /// The code, in upper case.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// The country's English short name (`United States of America`).
    pub fn name(&self) -> &'static str {
        isocountry::CountryCode::for_alpha3(self.as_str()).map_or("", |c| c.name())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Country, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).map_err(|why| serde::de::Error::custom(format!("{s:?}: {why}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_in_any_case() {
        for (given, kept) in [
            ("USA", "USA"),
            ("gbr", "GBR"),
            ("Can", "CAN"),
            ("ALA", "ALA"),
        ] {
            assert_eq!(
                Country::parse(given).map(|c| c.to_string()),
                Ok(kept.into())
            );
        }
        assert_eq!(
            Country::parse("USA").unwrap().name(),
            "United States of America"
        );
    }

    #[test]
    fn refuses_unassigned_and_other_forms() {
        // Alpha-2, numeric, unassigned, padded, non-ASCII: all refused.
        for bad in ["US", "840", "XYZ", "UK", " USA", "USAA", "", "ÜSA", "U$A"] {
            assert_eq!(Country::parse(bad), Err(COUNTRY_RULE), "{bad:?}");
        }
    }
}
