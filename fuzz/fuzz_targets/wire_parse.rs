//! Fuzzes the client-side decoding of error bodies (`idv_core::wire::parse` and the
//! generated per-surface `parse`), every dialect: a client must get an error value
//! or a `ParseError` for any body a server (or a proxy in front of it) sends, and
//! never panic.
//!
//! Input: a first line `<surface> <status>` (for example `possession 400`), then the
//! body as JSON text. A body that is not JSON is skipped (the client never gets that
//! far). Besides "no panic", it checks that a decoded error belongs to the dialect
//! of the body's effective surface, that the typed decoders agree with the generic
//! one, and that the decoded error renders to a body that decodes to the same entry.

#![no_main]

use idv_core::wire::{self, CatalogError};
use idv_core::{
    AccountsError, ApiError, FirewallError, ParseError, PossessionError, SignupError, Surface,
    VerificationError,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// `(surface, status, body)` from the input, or `None` when the body is not JSON.
fn input(data: &[u8]) -> Option<(Surface, u16, Value)> {
    let nl = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..nl]);
    let mut words = head.split_whitespace();
    let surface = words
        .next()
        .and_then(Surface::from_name)
        .unwrap_or_else(|| {
            Surface::ALL[data.first().map_or(0, |b| *b as usize) % Surface::ALL.len()]
        });
    let status = words.next().and_then(|s| s.parse().ok()).unwrap_or(400);
    let body = serde_json::from_slice(data.get(nl + 1..).unwrap_or_default()).ok()?;
    Some((surface, status, body))
}

/// The typed decoder of `surface` agrees with the generic one on `body`.
fn typed_agrees<E: CatalogError + std::fmt::Debug>(
    surface: Surface,
    status: u16,
    body: &Value,
    generic: &Result<ApiError, ParseError>,
) {
    let typed = E::from_body(surface, status, body);
    match (generic, &typed) {
        (Ok(g), Ok(t)) => {
            assert_eq!(g.id, t.id(), "typed and generic decoders disagree");
            // Display and the rendered body of a decoded error never panic.
            let _ = (t.message(), t.body(), t.docs_url());
        }
        // The typed decoder refuses an entry of another surface, or bad params.
        (Ok(_), Err(ParseError::WrongSurface { .. } | ParseError::BadParam { .. })) => {}
        (Err(g), Err(t)) => assert_eq!(g, t, "typed and generic decoders fail differently"),
        (g, t) => panic!("generic {g:?} but typed {t:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((surface, status, body)) = input(data) else {
        return;
    };
    let _ = wire::wire_code(surface, &body);
    let effective = wire::effective_surface(surface, &body);
    let generic = wire::parse(surface, status, &body);
    if let Ok(e) = &generic {
        let meta = e.meta();
        assert_eq!(
            meta.surface.dialect(),
            effective.dialect(),
            "{:?} decoded from a {:?} body",
            e.id,
            effective
        );
        let _ = e.to_string();
        // What the decoded error renders to decodes to the same entry.
        let again = wire::parse(meta.surface, meta.status, &e.body());
        assert_eq!(
            again.as_ref().map(|a| a.id),
            Ok(e.id),
            "{e:?} renders to {} which decodes to {again:?}",
            e.body()
        );
    }
    match surface {
        Surface::Possession => typed_agrees::<PossessionError>(surface, status, &body, &generic),
        Surface::Verification => {
            typed_agrees::<VerificationError>(surface, status, &body, &generic)
        }
        Surface::Accounts => typed_agrees::<AccountsError>(surface, status, &body, &generic),
        Surface::Signup => typed_agrees::<SignupError>(surface, status, &body, &generic),
        Surface::Firewall => typed_agrees::<FirewallError>(surface, status, &body, &generic),
    }
});
