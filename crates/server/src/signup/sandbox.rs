//! The sandbox data provider of 1-Click Signup: the test users of
//! `data/sandbox-users.json` (the docs list it: docs/guides/signup.md), read
//! once, and the birth date and SSN4 that every one of them answers to.

use serde::Deserialize;
use serde_json::Value;
use std::sync::OnceLock;

/// The birth date every sandbox user has (the 1-Click Signup API's).
pub const BIRTH_DATE: &str = "1989-08-01";
/// The last four SSN digits every sandbox user has (the 1-Click Signup API's).
pub const SSN4: &str = "6789";

/// A sandbox user.
#[derive(Debug, Clone, Deserialize)]
pub struct SandboxUser {
    /// E.164.
    pub phone: String,
    /// What the user is for (`primary`, `blocked (OCE017)`, …).
    pub case: String,
    /// The email identifier, if the user has one.
    #[serde(default)]
    pub email: Option<String>,
    /// The credentials (`fullName`, `birthDate`, `address`); `None`: none can be sourced.
    pub credentials: Option<Value>,
    /// The risk signals' inputs.
    pub risk: Risk,
}

/// A user's risk: the score and the reason codes of each group.
#[derive(Debug, Clone, Deserialize)]
pub struct Risk {
    /// 0 (low risk) to 1000.
    pub score: u32,
    /// Overall reason codes (add-on `reason-codes`).
    pub overall: Vec<String>,
    /// The phone's carrier (add-on `phone`).
    pub carrier: Value,
    /// Phone reason codes (add-on `phone`).
    pub phone: Vec<String>,
    /// Email reason codes (add-on `email`).
    pub email: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    users: Vec<SandboxUser>,
}

/// Every sandbox user, read from the data file once.
pub fn users() -> &'static [SandboxUser] {
    static USERS: OnceLock<Vec<SandboxUser>> = OnceLock::new();
    USERS.get_or_init(|| {
        serde_json::from_str::<File>(include_str!("data/sandbox-users.json"))
            .expect("signup/data/sandbox-users.json is valid (checked by its unit test)")
            .users
    })
}

/// The sandbox user with phone number `e164`.
pub fn by_phone(e164: &str) -> Option<&'static SandboxUser> {
    users().iter().find(|u| u.phone == e164)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_reads_and_every_reason_code_is_catalogued() {
        assert!(by_phone("+10123456789").is_some_and(|u| u.case == "primary"));
        for u in users() {
            for code in u
                .risk
                .overall
                .iter()
                .chain(&u.risk.phone)
                .chain(&u.risk.email)
            {
                assert!(
                    idv_core::outcomes::REASON_CODES
                        .iter()
                        .any(|r| r.code == code),
                    "{}: {code} is not in the catalogue's reason codes",
                    u.phone
                );
            }
            assert!(u.risk.score <= 1000);
        }
    }
}
