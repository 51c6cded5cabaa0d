//! Fuzzes the server-to-client path of every catalogued error: the server renders
//! an entry with parameter values (often text a caller sent: a field name, an
//! Idempotency-Key, reasons), the client decodes the body. Whatever the values,
//! the client must recognise the same entry.
//!
//! Input: a first line naming the entry (its snake_case id, e.g.
//! `malformed_request`), then its parameters as a JSON object (the `params` of a
//! catalogue example). Parameters of the wrong type are skipped: the typed enums
//! make them unrepresentable on the server.

#![no_main]

use idv_core::wire::{self, CatalogError};
use idv_core::{
    AccountsError, ErrorId, FirewallError, Params, PossessionError, SignupError, Surface,
    VerificationError,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Builds the typed error, renders it, decodes the body, and checks the entry.
fn roundtrip<E: CatalogError + std::fmt::Debug>(id: ErrorId, params: &Params) {
    let Ok(e) = E::from_parts(id, params) else {
        return;
    };
    let meta = e.meta();
    let body = e.body();
    let decoded = wire::parse(meta.surface, meta.status, &body);
    assert_eq!(
        decoded.as_ref().map(|d| d.id),
        Ok(id),
        "{e:?} renders to {body} which decodes to {decoded:?}"
    );
    if meta.surface == Surface::Firewall {
        // The firewall answers in front of signup: a signup client must see it too.
        let via_signup = wire::parse(Surface::Signup, meta.status, &body);
        assert_eq!(via_signup.map(|d| d.id), Ok(id));
    }
}

fuzz_target!(|data: &[u8]| {
    let nl = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let name = String::from_utf8_lossy(&data[..nl]);
    let id = ErrorId::ALL
        .iter()
        .copied()
        .find(|id| id.meta().name == name.trim())
        .unwrap_or_else(|| ErrorId::ALL[nl % ErrorId::ALL.len()]);
    let params = match serde_json::from_slice(data.get(nl + 1..).unwrap_or_default()) {
        Ok(Value::Object(m)) => m,
        _ => Params::new(),
    };
    match id.meta().surface {
        Surface::Possession => roundtrip::<PossessionError>(id, &params),
        Surface::Verification => roundtrip::<VerificationError>(id, &params),
        Surface::Accounts => roundtrip::<AccountsError>(id, &params),
        Surface::Signup => roundtrip::<SignupError>(id, &params),
        Surface::Firewall => roundtrip::<FirewallError>(id, &params),
    }
});
