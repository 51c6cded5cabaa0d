//! A date of birth as the possession API accepts it: a full date, a year and
//! month, or a month and day.

/// A checked date of birth (`YYYY-MM-DD`, `YYYY-MM` or `MM-DD`), kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dob(String);

/// Why a date of birth was refused, as an error message says it.
pub const DOB_RULE: &str = "must be YYYY-MM-DD, YYYY-MM or MM-DD";

impl Dob {
    /// Parses one of the three forms, or says why not.
    pub fn parse(s: &str) -> Result<Dob, &'static str> {
        let num = |p: &str, len: usize, lo: u32, hi: u32| {
            p.len() == len
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
        };
        let p: Vec<&str> = s.split('-').collect();
        let valid = match p[..] {
            [y, m, d] => num(y, 4, 1800, 2999) && num(m, 2, 1, 12) && num(d, 2, 1, 31),
            [y, m] if y.len() == 4 => num(y, 4, 1800, 2999) && num(m, 2, 1, 12),
            [m, d] => num(m, 2, 1, 12) && num(d, 2, 1, 31),
            _ => false,
        };
        if valid {
            Ok(Dob(s.to_string()))
        } else {
            Err(DOB_RULE)
        }
    }

    /// The date as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, for storing.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        for d in ["1981-01-09", "1981-01", "01-09"] {
            assert!(Dob::parse(d).is_ok(), "{d}");
        }
        for d in ["1981-13", "81-01-09", "1981/01/09", "13-01", ""] {
            assert_eq!(Dob::parse(d), Err(DOB_RULE), "{d}");
        }
    }
}
