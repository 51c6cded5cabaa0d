//! Calendar dates (`YYYY-MM-DD`) and UTC timestamps with microseconds
//! (`2026-06-11T07:36:42.000000Z`), as the verification API writes them.
//! Calendar arithmetic is the `time` crate's, so `2023-02-29` is refused.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{Date, Month, OffsetDateTime};

/// A checked calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(Date);

/// Why a date was refused because of its form, as an error message says it.
pub const DATE_FORMAT_RULE: &str = "must be a date in YYYY-MM-DD format";
/// Why a date of the right form was refused: no such day.
pub const DATE_REAL_RULE: &str = "must be a valid date";

impl CalendarDate {
    /// Parses `YYYY-MM-DD` (four-digit year from 0001), or says why not.
    pub fn parse(s: &str) -> Result<CalendarDate, &'static str> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10
            || b[4] != b'-'
            || b[7] != b'-'
            || !digits(0..4)
            || !digits(5..7)
            || !digits(8..10)
        {
            return Err(DATE_FORMAT_RULE);
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap_or(0);
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        let month = u8::try_from(m).ok().and_then(|m| Month::try_from(m).ok());
        match (y, month, u8::try_from(d)) {
            (1.., Some(month), Ok(d)) => Date::from_calendar_date(i32::from(y), month, d)
                .map(CalendarDate)
                .map_err(|_| DATE_REAL_RULE),
            _ => Err(DATE_REAL_RULE),
        }
    }

    /// The date `unix_secs` falls on in UTC.
    pub fn utc_of(unix_secs: i64) -> CalendarDate {
        CalendarDate(
            OffsetDateTime::from_unix_timestamp(unix_secs)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
                .date(),
        )
    }

    /// The `time` crate's date.
    pub fn date(&self) -> Date {
        self.0
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.0.to_calendar_date();
        write!(f, "{y:04}-{:02}-{d:02}", m as u8)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CalendarDate, D::Error> {
        let s = String::deserialize(d)?;
        CalendarDate::parse(&s).map_err(|why| serde::de::Error::custom(format!("{s:?}: {why}")))
    }
}

/// An instant, in microseconds since the Unix epoch, written in UTC with six
/// fractional digits (`2026-06-11T07:36:42.000000Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From Unix milliseconds (the server clock's unit).
    pub fn from_unix_ms(ms: i64) -> Timestamp {
        Timestamp(ms.saturating_mul(1000))
    }

    /// Microseconds since the Unix epoch.
    pub fn micros(&self) -> i64 {
        self.0
    }

    /// Parses the form this type writes (`…T07:36:42.000000Z`, exactly six
    /// fractional digits), or `None`.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() != 27
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'.'
            || b[26] != b'Z'
        {
            return None;
        }
        let date = CalendarDate::parse(&s[..10]).ok()?;
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r.clone()]
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| s[r].parse().ok())?
        };
        let (h, mi, se, us) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..26)?);
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        let days = (date.0 - Date::from_calendar_date(1970, Month::January, 1).ok()?).whole_days();
        Some(Timestamp(
            ((days * 86_400 + h * 3600 + mi * 60 + se) * 1_000_000) + us,
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let (y, m, d) = t.to_calendar_date();
        write!(
            f,
            "{y:04}-{:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
            m as u8,
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{s:?}: not an ISO 8601 UTC timestamp with microseconds"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["1981-01-09", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(
                CalendarDate::parse(ok).map(|d| d.to_string()),
                Ok(ok.into())
            );
        }
        for (bad, why) in [
            ("1981-1-09", DATE_FORMAT_RULE),
            ("09/01/1981", DATE_FORMAT_RULE),
            ("1981-01-09T00:00:00Z", DATE_FORMAT_RULE),
            ("+981-01-09", DATE_FORMAT_RULE),
            ("", DATE_FORMAT_RULE),
            ("2023-02-29", DATE_REAL_RULE),
            ("2024-13-01", DATE_REAL_RULE),
            ("2024-04-31", DATE_REAL_RULE),
            ("2024-00-10", DATE_REAL_RULE),
            ("0000-01-01", DATE_REAL_RULE),
        ] {
            assert_eq!(CalendarDate::parse(bad), Err(why), "{bad:?}");
        }
        assert_eq!(CalendarDate::utc_of(0).to_string(), "1970-01-01");
        // 2026-06-11T23:59:59Z and one second later.
        assert_eq!(
            CalendarDate::utc_of(1_781_222_399).to_string(),
            "2026-06-11"
        );
        assert_eq!(
            CalendarDate::utc_of(1_781_222_400).to_string(),
            "2026-06-12"
        );
    }

    #[test]
    fn timestamps_as_the_contract_writes_them() {
        // The contract's example instant, 2026-06-11T07:36:42Z.
        let t = Timestamp(1_781_163_402_000_000);
        assert_eq!(t.to_string(), "2026-06-11T07:36:42.000000Z");
        assert_eq!(
            Timestamp(1_781_163_402_000_042).to_string(),
            "2026-06-11T07:36:42.000042Z"
        );
        assert_eq!(
            Timestamp::from_unix_ms(1_781_163_402_123).to_string(),
            "2026-06-11T07:36:42.123000Z"
        );
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000000Z");
        for s in [
            "2026-06-11T07:36:42.000000Z",
            "2026-06-11T07:36:42.999999Z",
            "1970-01-01T00:00:00.000000Z",
        ] {
            assert_eq!(
                Timestamp::parse(s).map(|t| t.to_string()).as_deref(),
                Some(s)
            );
        }
        for bad in [
            "2026-06-11T07:36:42Z",
            "2026-06-11T24:00:00.000000Z",
            "2026-06-11 07:36:42.000000Z",
            "2026-06-11T07:36:42.00000aZ",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
        assert_eq!(
            serde_json::to_value(t).unwrap(),
            "2026-06-11T07:36:42.000000Z"
        );
    }
}
