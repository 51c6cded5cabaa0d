//! Fuzzes the rate-limit header readers of idv-core (`RateLimit::from_headers`,
//! `parse_retry_after`, `parse_http_date`), which the client applies to whatever
//! headers a server or proxy sends, and their round trip with the formatters the
//! server uses.
//!
//! Input: the first 16 bytes are two numbers (a clock and a time to format), the
//! rest is header text, `Name: value` per line.

#![no_main]

use idv_core::ratelimit::{
    HTTP_DATE_END, RateLimit, format_http_date, parse_http_date, parse_retry_after,
};
use libfuzzer_sys::fuzz_target;

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = data.get(at + i).copied().unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let now = u64_at(data, 0);
    let t = u64_at(data, 8);
    let text = String::from_utf8_lossy(data.get(16..).unwrap_or_default());

    // What the server formats, the client reads back exactly, up to the last
    // second a four-digit year can name.
    let date = format_http_date(t);
    if t < HTTP_DATE_END {
        assert_eq!(parse_http_date(&date), Some(t), "{date}");
        assert_eq!(parse_retry_after(&date, t), Some(0), "{date}");
    } else {
        assert_eq!(parse_http_date(&date), None, "{date}");
    }

    let headers: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim(), v))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    if let Some(rl) = RateLimit::from_headers(get) {
        let again = rl.headers();
        let back = RateLimit::from_headers(|n| {
            again.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str())
        });
        assert_eq!(back, Some(rl));
    }
    for value in std::iter::once(text.as_ref()).chain(headers.iter().map(|(_, v)| *v)) {
        let _ = parse_retry_after(value, now);
        if let Some(secs) = parse_http_date(value.trim()) {
            // A date the client accepts is one the server could have sent.
            assert_eq!(parse_http_date(&format_http_date(secs)), Some(secs));
        }
    }
});
