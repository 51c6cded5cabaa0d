//! Rate-limit headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
//! `X-RateLimit-Reset` (Unix epoch seconds) and `Retry-After`, formatted by the
//! server and parsed by the client with the same code.

use crate::limits::headers;

/// The rate-limit state a response reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub limit: u64,
    /// Requests left in the current window (`X-RateLimit-Remaining`).
    pub remaining: u64,
    /// When the window resets, in Unix epoch seconds (`X-RateLimit-Reset`).
    pub reset: u64,
}

impl RateLimit {
    /// The three headers, names as the catalogue spells them.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            (headers::X_RATELIMIT_LIMIT, self.limit.to_string()),
            (headers::X_RATELIMIT_REMAINING, self.remaining.to_string()),
            (headers::X_RATELIMIT_RESET, self.reset.to_string()),
        ]
    }

    /// Reads the three headers through `get` (header lookup, case-insensitive on the
    /// caller's side). `None` unless all three are present and numeric.
    pub fn from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<RateLimit> {
        let num = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        Some(RateLimit {
            limit: num(headers::X_RATELIMIT_LIMIT)?,
            remaining: num(headers::X_RATELIMIT_REMAINING)?,
            reset: num(headers::X_RATELIMIT_RESET)?,
        })
    }
}

/// Parses a `Retry-After` value, either delta seconds or an HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), into seconds from `now` (Unix epoch seconds).
/// A date in the past gives 0.
pub fn parse_retry_after(value: &str, now: u64) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    parse_http_date(v).map(|t| t.saturating_sub(now))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The number a field of a date holds: ASCII digits only (no sign, no spaces), at
/// most `max_len` of them.
fn digits<T: std::str::FromStr>(s: &str, max_len: usize) -> Option<T> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The first second of year 10000: IMF-fixdate years have four digits.
pub const HTTP_DATE_END: u64 = 253_402_300_800;

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix epoch seconds.
/// The year has four digits and the day exists in its month; anything else (a
/// sign, a fifth year digit, 31 February) is `None`, so no value a peer sends
/// can overflow the arithmetic.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let rest = s.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let d: u32 = digits(day, 2)?;
    let m = MONTHS.iter().position(|x| *x == month)? as u32 + 1;
    if year.len() != 4 {
        return None;
    }
    let y: i64 = digits(year, 4)?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|x| digits(x, 2))
        .collect::<Option<_>>()?;
    let [h, mi, se] = hms[..] else { return None };
    if !(1..=days_in_month(y, m)).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    u64::try_from(days)
        .ok()
        .map(|days| days * 86_400 + h * 3600 + mi * 60 + se)
}

/// Formats Unix epoch seconds as an IMF-fixdate. Times from [`HTTP_DATE_END`] on
/// have a year of five digits or more, which [`parse_http_date`] refuses.
pub fn format_http_date(t: u64) -> String {
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        let rl = RateLimit {
            limit: 25,
            remaining: 3,
            reset: 1_767_225_600,
        };
        let h = rl.headers();
        assert_eq!(h[0], ("X-RateLimit-Limit", "25".to_string()));
        let got =
            RateLimit::from_headers(|n| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str()));
        assert_eq!(got, Some(rl));
        assert_eq!(RateLimit::from_headers(|_| None), None);
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        assert_eq!(parse_retry_after("7", 0), Some(7));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", 784_111_777),
            Some(10)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", 784_111_777),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }

    /// Found by the `ratelimit` fuzz target (fuzz/README.md): a year of 19 digits
    /// overflowed the day count (a panic in debug builds, a wrong delay in release).
    #[test]
    fn retry_after_dates_that_would_overflow_are_refused() {
        let huge = "Sun, 06 Nov 1466666666666666667 08:49:37 GMT";
        assert_eq!(parse_http_date(huge), None);
        assert_eq!(parse_retry_after(huge, 0), None);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 9223372036854775807 08:49:37 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov -1 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 19940 08:49:37 GMT"), None);
        // Signs, days that do not exist, one-digit years: not an IMF-fixdate.
        assert_eq!(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 994 08:49:37 GMT"), None);
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"),
            Some(1_709_164_800)
        );
        // The last second an IMF-fixdate can say round-trips; the next cannot be said.
        let last = HTTP_DATE_END - 1;
        assert_eq!(format_http_date(last), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(parse_http_date(&format_http_date(last)), Some(last));
        assert_eq!(parse_http_date(&format_http_date(HTTP_DATE_END)), None);
    }
}
