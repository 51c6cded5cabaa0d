//! A US social security number as the possession API accepts it: all nine
//! digits or the last four.

/// A checked SSN (9 digits or the last 4), kept as sent. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Ssn(String);

/// Why an SSN was refused, as an error message says it.
pub const SSN_RULE: &str = "must be 9 digits or the last 4 digits";

impl Ssn {
    /// Parses 9 or 4 digits, or says why not.
    pub fn parse(s: &str) -> Result<Ssn, &'static str> {
        if (s.len() == 9 || s.len() == 4) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Ssn(s.to_string()))
        } else {
            Err(SSN_RULE)
        }
    }

    /// Whether only the last four digits were given.
    pub fn is_last4(&self) -> bool {
        self.0.len() == 4
    }

    /// The digits as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, for storing.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Ssn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ssn(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(Ssn::parse("0596").is_ok_and(|s| s.is_last4()));
        assert!(Ssn::parse("123450596").is_ok_and(|s| !s.is_last4()));
        assert!(Ssn::parse("12345").is_err() && Ssn::parse("abcd").is_err());
        assert_eq!(format!("{:?}", Ssn::parse("0596").unwrap()), "Ssn(..)");
    }
}
