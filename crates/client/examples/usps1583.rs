//! A USPS Form 1583 verification with the SDK, against a local `idv serve`.
//!
//! ```sh
//! cargo run -p idv -- serve            # prints the sandbox workspace's API token on first start
//! IDV_API_TOKEN='tok_…|…' cargo run -p idv-client --example usps1583
//! ```
//!
//! `IDV_URL` overrides the server (default `http://127.0.0.1:8080`). The example
//! creates a verification with the data the documents should show, reads it
//! back, submits it, leaves a comment and approves it, printing the history.
//!
//! Not yet here: uploading the two documents (`POST /api/v1/{flow}/documents`)
//! and deciding on each (`POST /api/v1/{flow}/decisions`). The SDK gets those
//! calls with the document endpoints; the places they go are marked
//! `DOCUMENTS:` below. Until then the verification is submitted without
//! documents and approved by hand. The integration test
//! `example::the_usps1583_example_runs_against_the_real_server` runs [`run`].

use idv_client::verification::{
    Address, CreateVerification, ExpectedData, ExpectedDocument, Flow, NewComment, Person,
    Verification, VerificationFailure,
};
use idv_client::{ApiToken, Client, Error};

/// Runs the verification and returns it, approved, as the server last answered it.
pub async fn run(client: &Client) -> Result<Verification, Error> {
    // The verification surface's calls; the handle borrows the client.
    let api = client.verification();
    let expected = ExpectedData::new(Person::new("Jane", "Doe").date_of_birth("1990-04-12"))
        .address(Address::new("1 Main St", "Springfield", "62701", "USA").state("IL"))
        .photo_id(
            ExpectedDocument::new("Driver License")
                .number("D1234567")
                .country("USA"),
        )
        .proof_of_address(ExpectedDocument::new("Utility Bill"));
    let request = CreateVerification::new(expected).vendor_reference("cust-1042");
    let created = match api.create(Flow::Usps1583, &request).await {
        Ok(v) => v,
        Err(e) => {
            // A 422 names every field the server refused, each with its entry.
            for f in e.field_errors() {
                eprintln!("  {}: {}", f.field, f.message);
            }
            return Err(e);
        }
    };
    let id = created.id.clone();
    println!("created {id}: {} ({})", created.status, created.flow);
    println!("  the end user uploads at {}", created.url);
    println!("  QR code of that page:   {}", created.qr_code);

    // DOCUMENTS: upload the photo ID and the proof of address here, once the SDK
    // has the document calls: one `POST /api/v1/usps1583/documents` per context
    // (`PHOTO_ID`, then `PROOF_OF_ADDRESS`) with the base64 image. Submitting
    // will then require both (a 422 on `documents` otherwise).

    let submitted = api.submit(Flow::Usps1583, &id).await?;
    println!(
        "submitted: {} at {}",
        submitted.status,
        submitted.submitted_at.as_deref().unwrap_or("?")
    );

    api.comment(
        Flow::Usps1583,
        &id,
        &NewComment::new("Reviewed by the example."),
    )
    .await?;

    // DOCUMENTS: decide on each document here (`POST /api/v1/usps1583/decisions`
    // with status 1, approved); once both have a final decision the verification
    // follows on its own. Until then a reviewer approves the verification itself.
    let approved = api.approve(Flow::Usps1583, &id).await?;
    println!("approved: {}", approved.status);

    let shown = api.show(Flow::Usps1583, &id).await?;
    for h in &shown.history {
        let to = h.to_status.map(|s| s.label()).unwrap_or("-");
        println!("  {} {:<8} by {} → {to}", h.created_at, h.action, h.actor);
    }
    for c in &shown.comments {
        println!("  comment by {}: {}", c.actor, c.body);
    }
    if let Some(rl) = client.rate_limit() {
        println!("rate limit: {}/{} left this second", rl.remaining, rl.limit);
    }
    Ok(shown)
}

#[allow(dead_code)] // The integration test includes this file and calls `run`.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(token) = env("IDV_API_TOKEN") else {
        eprintln!("set IDV_API_TOKEN to the workspace API token `idv serve` printed");
        std::process::exit(2);
    };
    let url = env("IDV_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .base_url(url)
        .api_token(ApiToken::new(token))
        .build()
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    if let Err(e) = run(&client).await {
        // Display shows the status and the message; the catalogue adds what to do.
        eprintln!("error: {e}");
        if let Some(api) = e.api() {
            eprintln!("  what to do: {}", api.resolution());
            eprintln!("  reference:  {}", api.docs_url());
        }
        std::process::exit(1);
    }
}
