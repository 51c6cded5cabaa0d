//! Phone numbers, parsed at the edge into E.164 with their region and country.
//!
//! US and Canadian numbers may come as 10 digits or with `+1`; any other number
//! needs a leading `+` and its country code (vendor facts 1.1). The country of an
//! international number comes from its calling code; a `+1` number is Canadian
//! when its area code is a Canadian one, otherwise it is counted as US.

use crate::config::Region;

/// A parsed phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// E.164, e.g. `+12001001695`.
    pub e164: String,
    /// The region whose endpoint serves it.
    pub region: Region,
    /// ISO 3166-1 alpha-2 country (`ZZ` when the calling code is not in our table).
    pub country: &'static str,
}

/// Why a number was refused, as said in an 8001 message.
pub const PHONE_RULE: &str = "must be 10 digits (US or Canada, optionally with +1) or an international number in E.164 with a leading +";

const CANADIAN_AREA_CODES: &[&str] = &[
    "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367",
    "368", "382", "387", "403", "416", "418", "428", "431", "437", "438", "450", "460", "468",
    "474", "506", "514", "519", "548", "579", "581", "584", "587", "604", "613", "639", "647",
    "672", "683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825", "867",
    "873", "879", "902", "905",
];

/// Calling codes and countries (longest prefix wins). Not exhaustive: an unknown
/// code gives `ZZ`, which a project authorized for every country (`*`) accepts.
const CALLING_CODES: &[(&str, &str)] = &[
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("52", "MX"),
    ("55", "BR"),
    ("61", "AU"),
    ("64", "NZ"),
    ("65", "SG"),
    ("81", "JP"),
    ("82", "KR"),
    ("91", "IN"),
    ("351", "PT"),
    ("352", "LU"),
    ("353", "IE"),
    ("354", "IS"),
    ("356", "MT"),
    ("357", "CY"),
    ("358", "FI"),
    ("359", "BG"),
    ("370", "LT"),
    ("371", "LV"),
    ("372", "EE"),
    ("385", "HR"),
    ("386", "SI"),
    ("420", "CZ"),
    ("421", "SK"),
];

/// Parses a number as sent.
pub fn parse(raw: &str) -> Result<Phone, &'static str> {
    let s = raw.trim();
    let (plus, digits) = match s.strip_prefix('+') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PHONE_RULE);
    }
    let national = if !plus && digits.len() == 10 {
        Some(digits)
    } else if plus && digits.starts_with('1') {
        if digits.len() != 11 {
            return Err(PHONE_RULE);
        }
        Some(&digits[1..])
    } else {
        None
    };
    if let Some(n) = national {
        let country = if CANADIAN_AREA_CODES.contains(&&n[..3]) {
            "CA"
        } else {
            "US"
        };
        return Ok(Phone {
            e164: format!("+1{n}"),
            region: Region::Us,
            country,
        });
    }
    if !plus || !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(PHONE_RULE);
    }
    let country = CALLING_CODES
        .iter()
        .filter(|(code, _)| digits.starts_with(code))
        .max_by_key(|(code, _)| code.len())
        .map(|(_, c)| *c)
        .unwrap_or("ZZ");
    Ok(Phone {
        e164: format!("+{digits}"),
        region: Region::Eu,
        country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_north_american_and_international_numbers() {
        let p = parse("2001001695").unwrap();
        assert_eq!(
            (p.e164.as_str(), p.region, p.country),
            ("+12001001695", Region::Us, "US")
        );
        assert_eq!(parse("+14165550100").unwrap().country, "CA");
        let p = parse("+2001004029").unwrap();
        assert_eq!(
            (p.e164.as_str(), p.region, p.country),
            ("+2001004029", Region::Eu, "EG")
        );
        for bad in [
            "",
            "200100169",
            "+1200100169",
            "12001001695",
            "abc",
            "+0123456789",
            "+12",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
