//! Phone numbers, parsed at the edge into E.164 with their country and region.
//!
//! The numbering facts (calling codes, which country a number belongs to, how many
//! digits its numbers have) come from libphonenumber's metadata through the
//! `phonenumber` crate rather than a table of our own. Which region serves a
//! country is our decision, kept in `data/regions.toml` (US: the North American
//! Numbering Plan; EU: the EU and EEA states, the UK and Switzerland) and listed in
//! docs/guides/server.md.
//!
//! Input is strict: after trimming ASCII whitespace, a number is either 10 digits
//! (a North American number without its `+1`, as today) or `+` and the digits of an
//! E.164 number. A number whose length is wrong for its country is refused with
//! the 8001 rule; a well-formed number of a country no region serves is
//! [`PhoneError::Unserved`] (8010).

use crate::config::Region;
use phonenumber::metadata::DATABASE;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A parsed phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// E.164, e.g. `+12001001695`.
    pub e164: String,
    /// The region whose endpoint serves it.
    pub region: Region,
    /// ISO 3166-1 alpha-2 country, as libphonenumber assigns it (a `+1` number of
    /// an area code that libphonenumber does not know counts as `US`).
    pub country: &'static str,
}

/// Why a number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a number we accept (8001): the rule it broke, said after the field name.
    Invalid(String),
    /// A valid number of a country that neither region serves (8010).
    Unserved {
        /// ISO 3166-1 alpha-2 country of the number.
        country: String,
    },
}

impl PhoneError {
    /// The text for the error body: the 8001 rule, or the 8010 reason.
    pub fn message(&self) -> String {
        match self {
            PhoneError::Invalid(why) => why.clone(),
            PhoneError::Unserved { country } => format!(
                "the number is from {country}, which neither the US nor the EU region serves"
            ),
        }
    }
}

/// The general rule, said in an 8001 message when a number is not even well formed.
pub const PHONE_RULE: &str = "must be 10 digits (US or Canada, optionally with +1) or an international number in E.164 with a leading +";

/// Parses a number as sent.
pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
    let invalid = |why: String| Err(PhoneError::Invalid(why));
    let s = raw.trim_ascii();
    let (plus, digits) = match s.strip_prefix('+') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return invalid(PHONE_RULE.into());
    }
    let e164 = match (plus, digits.len()) {
        (true, _) => format!("+{digits}"),
        (false, 10) => format!("+1{digits}"),
        (false, _) => return invalid(PHONE_RULE.into()),
    };
    let table = table();
    if let Some(t) = table
        .test_numbers
        .iter()
        .find(|t| e164.starts_with(&t.prefix) && e164.len() == t.digits + 1)
    {
        return Ok(Phone {
            e164,
            region: t.region,
            country: &t.country,
        });
    }
    let number = match phonenumber::parse(None, &e164) {
        Ok(n) => n,
        // The parser's own text is not ours to send (it names its internals, as
        // "malformed integer part"): say which part is wrong in our words.
        Err(e) => {
            use phonenumber::ParseError as P;
            let why = match e {
                P::InvalidCountryCode => "invalid country code",
                P::TooShortNsn | P::TooShortAfterIdd => "too short",
                P::TooLong => "too long",
                _ => "not a number after its country code",
            };
            return invalid(format!("is not a phone number ({why})"));
        }
    };
    let code = number.code().value();
    let national = number.national().to_string();
    // The metadata of the number's own country, or of the main country of its
    // calling code when the number falls in no known range of any (a `+1` number
    // of an unassigned area code, as the sandbox's test users are).
    let meta = number.metadata(&DATABASE).or_else(|| {
        let all = DATABASE.by_code(&code)?;
        all.iter()
            .find(|m| m.is_main_country_for_code())
            .or(all.first())
            .copied()
    });
    let Some(meta) = meta else {
        return invalid(format!("is not a phone number (no country has +{code})"));
    };
    let lengths = possible_lengths(meta);
    let n = u16::try_from(national.len()).unwrap_or(u16::MAX);
    if !lengths.contains(&n) {
        let list: Vec<String> = lengths.iter().map(u16::to_string).collect();
        return invalid(format!(
            "has the wrong length for a number of {}: {n} digits after +{code}, where {} are possible",
            meta.id(),
            list.join(" or ")
        ));
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    match table.countries.get_key_value(meta.id()) {
        Some((country, region)) => Ok(Phone {
            e164,
            region: *region,
            country,
        }),
        None => Err(PhoneError::Unserved {
            country: meta.id().to_string(),
        }),
    }
}

/// Loads libphonenumber's metadata and our region table, so that the first number
/// parsed does not wait for them (a fraction of a second, more in a debug build).
pub fn preload() {
    let _ = &*DATABASE;
    let _ = table();
}

/// The lengths a national number of `meta`'s country can have: those of every
/// kind of number one can call (short codes and emergency numbers aside).
fn possible_lengths(meta: &phonenumber::Metadata) -> Vec<u16> {
    let d = meta.descriptors();
    let mut lengths: Vec<u16> = [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .flat_map(|k| k.possible_length().iter().copied())
    .chain(d.general().possible_length().iter().copied())
    .collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

/// `data/regions.toml`, parsed once.
struct Table {
    countries: HashMap<String, Region>,
    test_numbers: Vec<TestNumbers>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    us: Served,
    eu: Served,
    #[serde(default)]
    test_numbers: Vec<TestNumbers>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Served {
    countries: Vec<String>,
}

/// Documented test numbers that are no real number of their country.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestNumbers {
    /// E.164 prefix, with its `+`.
    prefix: String,
    /// Digits after the `+`.
    digits: usize,
    region: Region,
    country: String,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is compiled in and checked by the unit tests below, so a failure
        // here cannot reach a running server.
        let file: File = toml::from_str(include_str!("../../data/regions.toml"))
            .expect("data/regions.toml is valid");
        let mut countries = HashMap::new();
        for (region, served) in [(Region::Us, file.us), (Region::Eu, file.eu)] {
            for c in served.countries {
                countries.insert(c, region);
            }
        }
        Table {
            countries,
            test_numbers: file.test_numbers,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (String, Region, &'static str) {
        let p = parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
        (p.e164, p.region, p.country)
    }

    fn unserved(raw: &str) -> String {
        match parse(raw) {
            Err(PhoneError::Unserved { country }) => country,
            other => panic!("{raw}: {other:?}"),
        }
    }

    fn invalid(raw: &str) -> String {
        match parse(raw) {
            Err(PhoneError::Invalid(why)) => why,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn the_region_table_loads_and_names_each_country_once() {
        let text = include_str!("../../data/regions.toml");
        let file: File = toml::from_str(text).unwrap();
        let all: Vec<&String> = file.us.countries.iter().chain(&file.eu.countries).collect();
        assert_eq!(
            all.len(),
            table().countries.len(),
            "a country is listed twice"
        );
        for c in all {
            assert!(
                DATABASE.by_id(c.as_str()).is_some(),
                "{c} is unknown to libphonenumber"
            );
        }
        assert_eq!(file.us.countries.len(), 25);
        // 27 EU + 3 EEA + GB + CH, the Crown Dependencies on +44, and 7 parts of EU
        // states filed apart.
        assert_eq!(file.eu.countries.len(), 42);
    }

    #[test]
    fn north_american_numbers_are_served_by_the_us_region() {
        let us = ("+12025550100".to_string(), Region::Us, "US");
        assert_eq!(ok("2025550100"), us);
        assert_eq!(ok("+12025550100"), us);
        assert_eq!(ok(" +12025550100\t\n"), us);
        assert_eq!(ok("+14165550100").2, "CA");
        assert_eq!(ok("4165550100"), ("+14165550100".into(), Region::Us, "CA"));
        assert_eq!(
            ok("+17875550100"),
            ("+17875550100".into(), Region::Us, "PR")
        );
        assert_eq!(ok("+18765550100").2, "JM");
        // The sandbox's test users live in area code 200, which no country has.
        assert_eq!(ok("2001001695"), ("+12001001695".into(), Region::Us, "US"));
    }

    #[test]
    fn european_numbers_are_served_by_the_eu_region() {
        for (raw, e164, country) in [
            ("+447400123456", "+447400123456", "GB"),
            ("+447911123456", "+447911123456", "GG"),
            ("+442079460000", "+442079460000", "GB"),
            ("+4915123456789", "+4915123456789", "DE"),
            ("+33612345678", "+33612345678", "FR"),
            ("+41446681800", "+41446681800", "CH"),
            ("+4791234567", "+4791234567", "NO"),
        ] {
            assert_eq!(ok(raw), (e164.to_string(), Region::Eu, country), "{raw}");
        }
    }

    #[test]
    fn numbers_of_countries_no_region_serves_are_unserved() {
        assert_eq!(unserved("+81312345678"), "JP");
        assert_eq!(unserved("+919876543210"), "IN");
        assert_eq!(unserved("+525512345678"), "MX");
        assert_eq!(unserved("+5511987654321"), "BR");
        assert_eq!(
            parse("+81312345678").unwrap_err().message(),
            "the number is from JP, which neither the US nor the EU region serves"
        );
    }

    #[test]
    fn the_sandbox_international_test_numbers_are_served_by_the_eu_region() {
        assert_eq!(ok("+2001004029"), ("+2001004029".into(), Region::Eu, "EG"));
        // One digit more is no test number but an Egyptian one, which no region serves.
        assert_eq!(unserved("+20010040290"), "EG");
    }

    #[test]
    fn wrong_lengths_are_invalid() {
        assert_eq!(
            invalid("+44791112"),
            "has the wrong length for a number of GB: 6 digits after +44, where 7 or 9 or 10 are possible"
        );
        assert!(invalid("+1202555010").contains("for a number of US"));
        assert!(invalid("+120255501000").contains("wrong length"));
        assert!(invalid("+336123456789").contains("of FR: 10 digits after +33"));
        assert!(invalid("+8131234").contains("of JP"));
        assert_eq!(
            invalid("+9998765432"),
            "is not a phone number (invalid country code)"
        );
    }

    #[test]
    fn the_parser_text_never_reaches_the_message() {
        for raw in ["+0000000000", "0000000000", "+1", "+44"] {
            if let Err(PhoneError::Invalid(why)) = parse(raw) {
                assert!(
                    !why.contains("integer") && !why.contains("parse"),
                    "{raw}: {why}"
                );
            }
        }
    }

    #[test]
    fn malformed_input_is_invalid() {
        for bad in [
            "",
            "200100169",
            "12001001695",
            "abc",
            "+",
            "++12025550100",
            "+1 202 555 0100",
            "202-555-0100",
            "\u{3000}2025550100",
            "2025550100\u{a0}",
            "\u{a0}+447400123456",
            "２０２５５５０１００",
        ] {
            assert_eq!(invalid(bad), PHONE_RULE, "{bad:?}");
        }
    }
}
