//! A USPS Form 1583 verification with the SDK, against a local `idv serve`.
//!
//! ```sh
//! cargo run -p idv -- serve            # prints the sandbox workspace's API token on first start
//! IDV_API_TOKEN='tok_…|…' cargo run -p idv-client --example usps1583
//! ```
//!
//! `IDV_URL` overrides the server (default `http://127.0.0.1:8080`). The example
//! creates a verification with the data the documents should show, uploads the
//! photo ID and the proof of address (small generated PNGs standing in for the
//! scans), submits it, leaves a comment and approves each document, after which
//! the verification is Approved; it prints the history. The integration test
//! `example::the_usps1583_example_runs_against_the_real_server` runs [`run`].

use idv_client::verification::{
    Address, CreateVerification, DecisionStatus, ExpectedData, ExpectedDocument, Flow, NewComment,
    NewDecision, NewDocument, Person, Verification, VerificationFailure,
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

    // One document per context the flow requires; submitting without them is a
    // 422 on `documents`. `from_image` takes the file's bytes and encodes them.
    let mut documents = Vec::new();
    for (context, document_type, (w, h)) in [
        ("PHOTO_ID", "Driver License", (12, 8)),
        ("PROOF_OF_ADDRESS", "Utility Bill", (8, 12)),
    ] {
        let image = scan(w, h);
        let upload = NewDocument::from_image(&id, context, document_type, &image).country("USA");
        let doc = api.upload_document(Flow::Usps1583, &upload).await?;
        println!("uploaded {} {}: {}", doc.id, doc.document_type, doc.status);
        documents.push(doc.id);
    }

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

    // A reviewer approves each document; once both have a decision the
    // verification follows on its own (all approved → Approved).
    for doc in &documents {
        let decision = NewDecision::new(doc, DecisionStatus::Approved).reason("Matches.");
        let decided = api.decide(Flow::Usps1583, &decision).await?;
        println!("decided {}: {}", decided.id, decided.status);
    }

    let shown = api.show(Flow::Usps1583, &id).await?;
    println!("verification: {}", shown.status);
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

/// A small real PNG (`w`×`h`, a gradient) standing in for a scan.
fn scan(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let pixels: Vec<u8> = (0..w * h)
        .flat_map(|i| [(i * 7) as u8, (i * 13) as u8, 200])
        .collect();
    let written = enc
        .write_header()
        .and_then(|mut wr| wr.write_image_data(&pixels));
    written.expect("encoding a PNG in memory cannot fail");
    out
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
