//! Fuzzes the server's form reader (`POST /token` bodies,
//! `idv_server::http::input::parse_form`) against the reference decoder of the
//! `application/x-www-form-urlencoded` format (the `form_urlencoded` crate, as used
//! by the url crate): a client secret must decode on the server exactly as every
//! HTTP client library encoded it.
//!
//! Input: the raw body bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = idv_server::http::input::parse_form(data);
    let reference: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(ours, reference, "body {:?}", String::from_utf8_lossy(data));
});
