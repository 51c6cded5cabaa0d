//! Where the client's methods and paths come from: the surfaces' operation tables
//! in idv-core ([`idv_core::operations`]), looked up by operation id.
//!
//! The server builds its router from the same tables, so a path is written once
//! and the SDK cannot drift from the server. The lookup is a `const fn`: each
//! operation the client calls is a `const` below, so an id missing from the table
//! fails the build, not a call.

use crate::error::Error;
use idv_core::operation::Operation;
use std::borrow::Cow;

/// The operation `id` of `table`. Evaluated at compile time for the constants
/// below; a missing id is a compile error there (and a panic anywhere else).
pub(crate) const fn find(table: &'static [Operation], id: &str) -> &'static Operation {
    let mut i = 0;
    while i < table.len() {
        if str_eq(table[i].id, id) {
            return &table[i];
        }
        i += 1;
    }
    panic!("operation id not in the operations table")
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The possession operations the client calls.
pub(crate) mod possession {
    use super::find;
    use idv_core::operation::Operation;
    use idv_core::operations::POSSESSION;

    /// `POST /token`.
    pub(crate) const TOKEN: &Operation = find(POSSESSION, "token");
    /// Starts a Pre-Fill or Prove Identity flow.
    pub(crate) const START: &Operation = find(POSSESSION, "prefillStart");
    /// Checks possession.
    pub(crate) const VALIDATE: &Operation = find(POSSESSION, "prefillValidate");
    /// Looks up the identity from dob/ssn.
    pub(crate) const CHALLENGE: &Operation = find(POSSESSION, "prefillChallenge");
    /// Verifies the confirmed identity.
    pub(crate) const COMPLETE: &Operation = find(POSSESSION, "prefillComplete");
    /// Starts a Unify session.
    pub(crate) const UNIFY: &Operation = find(POSSESSION, "unifyStart");
    /// Reads a Unify session's result.
    pub(crate) const UNIFY_STATUS: &Operation = find(POSSESSION, "unifyStatus");
    /// Binds a Prove Key after the customer's own possession check.
    pub(crate) const UNIFY_BIND: &Operation = find(POSSESSION, "unifyBind");
    /// Revokes a Prove Key.
    pub(crate) const REVOKE_DEVICE: &Operation = find(POSSESSION, "revokeDevice");
    /// Reads an identity.
    pub(crate) const IDENTITY: &Operation = find(POSSESSION, "getIdentity");
    /// Sandbox: enters the SMS code.
    pub(crate) const SANDBOX_OTP: &Operation = find(POSSESSION, "sandboxOtp");
    /// Sandbox: clicks the Instant Link.
    pub(crate) const SANDBOX_INSTANT_LINK: &Operation = find(POSSESSION, "sandboxInstantLink");

    /// Every operation above with the id it was looked up by, for the tests.
    #[cfg(test)]
    pub(crate) const USED: &[(&str, &Operation)] = &[
        ("token", TOKEN),
        ("prefillStart", START),
        ("prefillValidate", VALIDATE),
        ("prefillChallenge", CHALLENGE),
        ("prefillComplete", COMPLETE),
        ("unifyStart", UNIFY),
        ("unifyStatus", UNIFY_STATUS),
        ("unifyBind", UNIFY_BIND),
        ("revokeDevice", REVOKE_DEVICE),
        ("getIdentity", IDENTITY),
        ("sandboxOtp", SANDBOX_OTP),
        ("sandboxInstantLink", SANDBOX_INSTANT_LINK),
    ];
}

/// The verification operations the client calls (every row of the surface).
pub(crate) mod verification {
    use super::find;
    use idv_core::operation::Operation;
    use idv_core::operations::VERIFICATION;

    /// Lists a flow's verifications, a page at a time.
    pub(crate) const LIST: &Operation = find(VERIFICATION, "listVerifications");
    /// Lists every flow's verifications, a page at a time.
    pub(crate) const LIST_ALL: &Operation = find(VERIFICATION, "listAllVerifications");
    /// Creates a verification.
    pub(crate) const CREATE: &Operation = find(VERIFICATION, "createVerification");
    /// Reads a verification with its history and comments.
    pub(crate) const SHOW: &Operation = find(VERIFICATION, "showVerification");
    /// Started → Submitted.
    pub(crate) const SUBMIT: &Operation = find(VERIFICATION, "submitVerification");
    /// → Canceled.
    pub(crate) const CANCEL: &Operation = find(VERIFICATION, "cancelVerification");
    /// → Hold.
    pub(crate) const HOLD: &Operation = find(VERIFICATION, "holdVerification");
    /// Hold → the status it interrupted.
    pub(crate) const RESUME: &Operation = find(VERIFICATION, "resumeVerification");
    /// Rejected or Double Check → Started.
    pub(crate) const RESUBMIT: &Operation = find(VERIFICATION, "resubmitVerification");
    /// → Approved.
    pub(crate) const APPROVE: &Operation = find(VERIFICATION, "approveVerification");
    /// → Rejected, with a reason.
    pub(crate) const REJECT: &Operation = find(VERIFICATION, "rejectVerification");
    /// Erases a verification's personal data.
    pub(crate) const ERASE: &Operation = find(VERIFICATION, "deleteVerification");
    /// Comments on a verification.
    pub(crate) const COMMENT: &Operation = find(VERIFICATION, "createVerificationComment");
    /// Uploads a document.
    pub(crate) const DOCUMENT_UPLOAD: &Operation = find(VERIFICATION, "createDocument");
    /// Reads a document.
    pub(crate) const DOCUMENT: &Operation = find(VERIFICATION, "showDocument");
    /// Deletes a document of a Started verification.
    pub(crate) const DOCUMENT_DELETE: &Operation = find(VERIFICATION, "deleteDocument");
    /// Decides on a document.
    pub(crate) const DECIDE: &Operation = find(VERIFICATION, "createDecision");
    /// Lists the address blacklist.
    pub(crate) const BLACKLIST: &Operation = find(VERIFICATION, "listAddressBlacklist");
    /// Adds an address to the blacklist.
    pub(crate) const BLACKLIST_ADD: &Operation = find(VERIFICATION, "createAddressBlacklistEntry");
    /// Removes an address from the blacklist.
    pub(crate) const BLACKLIST_REMOVE: &Operation =
        find(VERIFICATION, "deleteAddressBlacklistEntry");

    /// Every operation above with the id it was looked up by, for the tests.
    #[cfg(test)]
    pub(crate) const USED: &[(&str, &Operation)] = &[
        ("listVerifications", LIST),
        ("listAllVerifications", LIST_ALL),
        ("createVerification", CREATE),
        ("showVerification", SHOW),
        ("submitVerification", SUBMIT),
        ("cancelVerification", CANCEL),
        ("holdVerification", HOLD),
        ("resumeVerification", RESUME),
        ("resubmitVerification", RESUBMIT),
        ("approveVerification", APPROVE),
        ("rejectVerification", REJECT),
        ("deleteVerification", ERASE),
        ("createVerificationComment", COMMENT),
        ("createDocument", DOCUMENT_UPLOAD),
        ("showDocument", DOCUMENT),
        ("deleteDocument", DOCUMENT_DELETE),
        ("createDecision", DECIDE),
        ("listAddressBlacklist", BLACKLIST),
        ("createAddressBlacklistEntry", BLACKLIST_ADD),
        ("deleteAddressBlacklistEntry", BLACKLIST_REMOVE),
    ];
}

/// The path of `op` with each `{name}` replaced by the percent-encoded value of
/// `name` in `params`. A path without parameters is borrowed from the table.
pub(crate) fn path(
    op: &'static Operation,
    params: &[(&str, &str)],
) -> Result<Cow<'static, str>, Error> {
    if !op.path.contains('{') {
        return Ok(Cow::Borrowed(op.path));
    }
    let mut out = String::with_capacity(op.path.len() + 32);
    let mut rest = op.path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| Error::Config(format!("unclosed path parameter in {}", op.path)))?;
        let name = &rest[open + 1..close];
        let value = params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                Error::Config(format!(
                    "no value for the path parameter {name} of {}",
                    op.endpoint()
                ))
            })?;
        encode_segment_into(&mut out, value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Percent-encodes a path segment (everything but unreserved characters).
fn encode_segment_into(out: &mut String, s: &str) {
    use std::fmt::Write;
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idv_core::Surface;
    use idv_core::operation::{AuthKind, Method};
    use idv_core::operations::POSSESSION;

    #[test]
    fn every_operation_the_client_uses_is_in_the_table() {
        for (id, op) in possession::USED {
            let row = POSSESSION
                .iter()
                .find(|o| o.id == *id)
                .unwrap_or_else(|| panic!("{id} is not in idv_core::operations::POSSESSION"));
            assert_eq!(row, *op, "{id}");
            assert_eq!(op.surface, Surface::Possession, "{id}");
        }
        // Every possession operation a caller authenticates for has a client call
        // (public documents such as `GET /openapi.json` need none).
        for row in POSSESSION.iter().filter(|o| o.auth != AuthKind::Public) {
            assert!(
                possession::USED.iter().any(|(id, _)| *id == row.id),
                "{} has no client call",
                row.id
            );
        }
    }

    #[test]
    fn every_verification_operation_has_a_call() {
        use idv_core::operations::VERIFICATION;
        for (id, op) in verification::USED {
            let row = VERIFICATION
                .iter()
                .find(|o| o.id == *id)
                .unwrap_or_else(|| panic!("{id} is not in idv_core::operations::VERIFICATION"));
            assert_eq!(row, *op, "{id}");
            assert_eq!(op.surface, Surface::Verification, "{id}");
            assert_eq!(op.auth, AuthKind::PersonalAccessToken, "{id}");
        }
        for row in VERIFICATION.iter().filter(|o| o.auth != AuthKind::Public) {
            assert!(
                verification::USED.iter().any(|(id, _)| *id == row.id),
                "{} has no client call",
                row.id
            );
        }
    }

    #[test]
    fn a_flow_and_an_id_fill_the_verification_paths() {
        let p = path(
            verification::REJECT,
            &[("flow", "usps1583"), ("id", "ver_1")],
        )
        .unwrap();
        assert_eq!(p, "/api/v1/usps1583/verifications/ver_1/reject");
        let p = path(verification::BLACKLIST_REMOVE, &[("id", "abl_x|y")]).unwrap();
        assert_eq!(p, "/api/v1/address-blacklist/abl_x%7Cy");
    }

    #[test]
    fn the_lookup_finds_by_id_and_panics_on_a_missing_one() {
        assert_eq!(find(POSSESSION, "getIdentity").method, Method::Get);
        assert_eq!(find(POSSESSION, "token").path, "/token");
        let missing = std::panic::catch_unwind(|| find(POSSESSION, "noSuchOperation"));
        assert!(missing.is_err());
    }

    #[test]
    fn path_parameters_are_percent_encoded() {
        let p = path(possession::IDENTITY, &[("identityId", "a b/c")]).unwrap();
        assert_eq!(p, "/v3/identity/a%20b%2Fc");
        let p = path(possession::IDENTITY, &[("identityId", "abc-123")]).unwrap();
        assert_eq!(p, "/v3/identity/abc-123");
        let p = path(possession::IDENTITY, &[("identityId", "")]).unwrap();
        assert_eq!(p, "/v3/identity/");
        assert!(matches!(
            path(possession::START, &[]),
            Ok(Cow::Borrowed("/v3/start"))
        ));
        let err = path(possession::IDENTITY, &[]).unwrap_err();
        assert!(err.to_string().contains("identityId"), "{err}");
    }
}
