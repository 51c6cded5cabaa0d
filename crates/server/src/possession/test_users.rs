//! The sandbox tier's test users, read from `data/sandbox-users.json` (embedded
//! at build time; docs/guides/sandbox.md lists them): who passes possession how,
//! and what the challenge step returns for them.

use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// The solutions a project can be for.
pub const SOLUTIONS: &[&str] = &[
    "prefill",
    "identity",
    "unify",
    "identity_manager",
    "verified_users",
];

/// How a test user passes possession.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Possession {
    /// Passes without a client SDK (the cURL users).
    Always,
    /// Instant Link on desktop, SMS OTP on mobile.
    Sdk,
    /// Mobile Auth passes on mobile; Instant Link on desktop.
    MobileAuth,
}

/// An address of a test user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street.
    pub address: String,
    /// City.
    pub city: String,
    /// State or region.
    pub region: String,
    /// ZIP or postal code.
    pub postal_code: String,
}

/// One test user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestUser {
    /// E.164.
    pub phone_number: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Solutions whose credentials may use this user.
    pub solutions: Vec<String>,
    /// How possession behaves.
    pub possession: Possession,
    /// Whether a successful mobile Unify binds a Prove Key.
    pub prove_key: bool,
    /// Date of birth as documented (challenge data).
    #[serde(default)]
    pub dob: Option<String>,
    /// SSN (last 4) as documented (challenge data).
    #[serde(default)]
    pub ssn: Option<String>,
    /// Addresses.
    #[serde(default)]
    pub addresses: Vec<Address>,
}

impl TestUser {
    /// The `individual` object of a challenge response.
    pub fn individual(&self) -> Value {
        json!({
            "firstName": self.first_name,
            "lastName": self.last_name,
            "dob": self.dob,
            "ssn": self.ssn,
            "addresses": self.addresses.iter().map(|a| json!({
                "address": a.address, "city": a.city, "region": a.region, "postalCode": a.postal_code,
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Deserialize)]
struct File {
    users: Vec<TestUser>,
}

/// Every test user.
pub fn users() -> &'static [TestUser] {
    static USERS: OnceLock<Vec<TestUser>> = OnceLock::new();
    USERS.get_or_init(|| {
        serde_json::from_str::<File>(include_str!("../../data/sandbox-users.json"))
            .expect("data/sandbox-users.json is valid (checked by a unit test)")
            .users
    })
}

/// The test user with this E.164 number.
pub fn find(e164: &str) -> Option<&'static TestUser> {
    users().iter().find(|u| u.phone_number == e164)
}

/// Whether a date given in a request (`YYYY-MM-DD`, `YYYY-MM` or `MM-DD`) agrees
/// with a documented one, comparing the parts both have.
pub fn dob_matches(given: &str, known: &str) -> bool {
    let parts = |s: &str| -> (Option<String>, Option<String>, Option<String>) {
        let p: Vec<&str> = s.split('-').collect();
        match p[..] {
            [y, m, d] => (Some(y.into()), Some(m.into()), Some(d.into())),
            [a, b] if a.len() == 4 => (Some(a.into()), Some(b.into()), None),
            [m, d] => (None, Some(m.into()), Some(d.into())),
            _ => (None, None, None),
        }
    };
    let (gy, gm, gd) = parts(given);
    let (ky, km, kd) = parts(known);
    let agree = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    agree(&gy, &ky) && agree(&gm, &km) && agree(&gd, &kd) && gm.is_some()
}

/// Whether an SSN given in a request (9 digits or the last 4) agrees with a documented last 4.
pub fn ssn_matches(given: &str, known: &str) -> bool {
    given.ends_with(known) || known.ends_with(given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_and_numbers_are_e164() {
        assert!(users().len() >= 17);
        for u in users() {
            let p = crate::domain::phone::parse(&u.phone_number).unwrap();
            assert_eq!(p.e164, u.phone_number);
            for s in &u.solutions {
                assert!(SOLUTIONS.contains(&s.as_str()), "{s}");
            }
        }
        assert!(find("+12001001695").is_some());
    }

    #[test]
    fn the_sandbox_guide_lists_every_test_user() {
        let guide = include_str!("../../../../docs/guides/sandbox.md");
        for u in users() {
            let shown = u.phone_number.strip_prefix("+1").unwrap_or(&u.phone_number);
            let row = format!("| `{shown}` | {} {} |", u.first_name, u.last_name);
            assert!(
                guide.contains(&row),
                "docs/guides/sandbox.md lacks the row for {row}"
            );
        }
    }

    #[test]
    fn challenge_matching() {
        assert!(dob_matches("1981-01-17", "1981-01"));
        assert!(dob_matches("1981-01", "1981-01"));
        assert!(dob_matches("01-17", "1981-01"));
        assert!(!dob_matches("1980-01", "1981-01"));
        assert!(ssn_matches("123450596", "0596"));
        assert!(!ssn_matches("1111", "0596"));
    }
}
