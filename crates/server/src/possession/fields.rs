//! The field readers the possession operations share: each checks one request
//! member into a domain type and records, in the words of the 8001 message, why
//! it was refused.

use crate::domain::phone::{self, Phone, PhoneError};
use crate::domain::{CorrelationId, Dob, Ssn};
use crate::http::Fields;
use idv_core::PossessionError;
use idv_core::limits::FINAL_TARGET_URL_MAX_LENGTH;

/// The possession surface's field reader.
pub(crate) type PFields<'a> = Fields<'a, PossessionError>;

/// An optional date of birth.
pub(crate) fn opt_dob(f: &mut PFields<'_>, name: &str) -> Option<Dob> {
    let v = f.opt_str(name)?;
    Dob::parse(&v).map_err(|why| f.invalid(name, why)).ok()
}

/// An optional SSN (9 digits or the last 4).
pub(crate) fn opt_ssn(f: &mut PFields<'_>, name: &str) -> Option<Ssn> {
    let v = f.opt_str(name)?;
    Ssn::parse(&v).map_err(|why| f.invalid(name, why)).ok()
}

/// A required phone number: 8001 through `f` when it is not one. A number of a
/// country that no region serves comes back as the 8010 the operation answers
/// once every other field has been checked (so a bad field elsewhere is 8001 first).
pub(crate) fn req_phone(
    f: &mut PFields<'_>,
    name: &str,
) -> Option<Result<Phone, PossessionError>> {
    let raw = f.req_str(name)?;
    match phone::parse(&raw) {
        Ok(p) => Some(Ok(p)),
        Err(PhoneError::Invalid(why)) => {
            f.invalid(name, why);
            None
        }
        Err(e @ PhoneError::Unserved { .. }) => Some(Err(PossessionError::UnauthorizedForCountry {
            reason: e.message(),
        })),
    }
}

/// The required `correlationId`.
pub(crate) fn req_correlation_id(f: &mut PFields<'_>) -> Option<CorrelationId> {
    let raw = f.req_str("correlationId")?;
    CorrelationId::parse(&raw)
        .map_err(|why| f.invalid("correlationId", why))
        .ok()
}

/// `finalTargetUrl`: required on desktop, at most 128 characters of a safe set.
pub(crate) fn final_target_url(f: &mut PFields<'_>, desktop: bool) -> Option<String> {
    let url = f.opt_str("finalTargetUrl");
    match &url {
        None if desktop => f.invalid("finalTargetUrl", "is required when the flow is desktop"),
        Some(u) if u.chars().count() > FINAL_TARGET_URL_MAX_LENGTH as usize => f.invalid(
            "finalTargetUrl",
            format!("must be at most {FINAL_TARGET_URL_MAX_LENGTH} characters"),
        ),
        Some(u)
            if !u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._+=/:?".contains(c)) =>
        {
            f.invalid(
                "finalTargetUrl",
                "may hold only letters, digits and the characters -._+=/:?",
            )
        }
        _ => {}
    }
    url
}

/// A required member whose value is one of `T`'s wire names.
pub(crate) fn one_of<T: Copy>(f: &mut PFields<'_>, name: &str, allowed: &[(&str, T)]) -> Option<T> {
    let v = f.req_str(name)?;
    match allowed.iter().find(|(n, _)| *n == v) {
        Some((_, t)) => Some(*t),
        None => {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            f.invalid(name, format!("must be {}", names.join(" or ")));
            None
        }
    }
}
