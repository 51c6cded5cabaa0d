//! `client.verification()` against the real idv server (see each file) and
//! the scripted one (`scripted.rs`): the lifecycle that exists and the
//! blacklist, with documents uploaded and decided (`lifecycle.rs`), pagination across pages per flow and across
//! flows (`lists.rs`), and what the server refuses (`refusals.rs`): a 422 with
//! each field decoded to its entry (a create, an upload), another workspace's id as the same 404 as
//! an unknown one, the API token's 401, and the per-workspace 429 waited out per
//! `Retry-After`.

mod lifecycle;
mod lists;
mod refusals;
mod scripted;

use crate::real::RealServer;
use idv_client::verification::{
    Address, CreateVerification, ExpectedData, ExpectedDocument, Person, VerificationError,
    VerificationFailure,
};
use idv_client::{ApiToken, Client, Error, RetryPolicy};
use idv_server::config::Tier;
use idv_server::provision::{NewWorkspace, create_workspace};

/// A new sandbox workspace of `srv` and its first API token.
pub async fn workspace(srv: &RealServer) -> NewWorkspace {
    create_workspace(
        srv.state.store.as_ref(),
        "sdk-test",
        Tier::Sandbox,
        idv_server::clock::unix_now(),
    )
    .await
    .expect("create workspace")
}

/// An SDK client of `srv` with `token` and `policy`.
pub fn client(srv: &RealServer, token: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&srv.url)
        .api_token(ApiToken::new(token))
        .retry(policy)
        .build()
        .expect("client")
}

/// A valid `usps1583` request for `first_name`.
pub fn usps(first_name: &str) -> CreateVerification {
    CreateVerification::new(
        ExpectedData::new(Person::new(first_name, "Doe").date_of_birth("1990-04-12"))
            .address(Address::new("1 Main St", "Springfield", "62701", "usa").state("IL"))
            .photo_id(
                ExpectedDocument::new("driver license")
                    .number("D1234567")
                    .country("USA"),
            )
            .proof_of_address(ExpectedDocument::new("Utility Bill")),
    )
    .vendor_reference("cust-1042")
}

/// A valid `identity` request.
pub fn identity() -> CreateVerification {
    CreateVerification::new(
        ExpectedData::new(Person::new("Ida", "Entity"))
            .photo_id(ExpectedDocument::new("Passport").country("GBR")),
    )
}

/// The failure's verification entry.
pub fn entry(e: &Error) -> VerificationError {
    e.verification_error()
        .unwrap_or_else(|| panic!("not a verification entry: {e}"))
}

/// A small real PNG (`w`×`h`, noisy RGB): an image the server decodes and keeps.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let mut wr = enc.write_header().expect("png header");
    let mut seed = 0x9e37_79b9_u32;
    let data: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        })
        .collect();
    wr.write_image_data(&data).expect("png data");
    wr.finish().expect("png end");
    out
}
