//! A whole sandbox Pre-Fill flow with the SDK, against a local `idv serve`.
//!
//! ```sh
//! cargo run -p idv -- serve            # prints client_id and client_secret on first start
//! IDV_CLIENT_ID=… IDV_CLIENT_SECRET=… cargo run -p idv-client --example prefill
//! ```
//!
//! `IDV_URL` overrides the server (default `http://127.0.0.1:8080`). The flow uses
//! the documented sandbox user Tod Weedall (`2001001695`, dob `1981-01`, SSN
//! `0596`), who passes possession without a client-side SDK. Each step follows
//! the `next` map of the previous answer, as the API asks. The integration test
//! `example::the_prefill_example_runs_against_the_real_server` runs [`run`].

use idv_client::possession::{
    ChallengeRequest, CompleteRequest, FlowType, StartRequest, ValidateRequest, steps,
};
use idv_client::{Client, Credentials, Error};

/// Runs the flow and returns the enrolled identity's id.
pub async fn run(client: &Client) -> Result<String, Error> {
    // The possession surface's calls; the handle borrows the client.
    let possession = client.possession();
    let started = possession
        .start(&StartRequest::new(FlowType::Mobile).phone_number("2001001695"))
        .await?;
    let id = started.correlation_id;
    println!("started flow {id}; next: {:?}", started.next);

    let validated = possession.validate(&ValidateRequest::new(&id)).await?;
    println!(
        "validate: success={} phone={:?}; next: {:?}",
        validated.success, validated.phone_number, validated.next
    );
    if !validated.next.contains_key(steps::CHALLENGE) {
        return Err(Error::Config(format!(
            "expected a challenge step, got {:?}",
            validated.next
        )));
    }

    let found = possession
        .challenge(&ChallengeRequest::new(&id).dob("1981-01").ssn("0596"))
        .await?;
    let individual = found.individual.unwrap_or_default();
    println!(
        "challenge: {} {} ({} address(es)); next: {:?}",
        individual.first_name.as_deref().unwrap_or("?"),
        individual.last_name.as_deref().unwrap_or("?"),
        individual.addresses.len(),
        found.next
    );

    // Here the user would confirm or correct the data; we confirm it as shown.
    let done = possession
        .complete(&CompleteRequest::new(&id, individual))
        .await?;
    println!(
        "complete: success={} changeDetected={:?}; next: {:?}",
        done.success, done.change_detected, done.next
    );
    let identity_id = done
        .identity_id
        .ok_or_else(|| Error::Config("complete returned no identityId".into()))?;

    let identity = possession.identity(&identity_id).await?;
    println!(
        "identity {identity_id}: {:?} {:?}, {:?}",
        identity.first_name, identity.last_name, identity.phone_number
    );
    if let Some(rl) = client.rate_limit() {
        println!("rate limit: {}/{} left this second", rl.remaining, rl.limit);
    }
    Ok(identity_id)
}

#[allow(dead_code)] // The integration test includes this file and calls `run`.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (env("IDV_CLIENT_ID"), env("IDV_CLIENT_SECRET")) else {
        eprintln!(
            "set IDV_CLIENT_ID and IDV_CLIENT_SECRET to the sandbox client `idv serve` printed"
        );
        std::process::exit(2);
    };
    let url = env("IDV_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let client = Client::builder()
        .base_url(url)
        .credentials(Credentials::new(id, secret))
        .build()
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    if let Err(e) = run(&client).await {
        // Display shows the code and the message; the catalogue adds what to do.
        eprintln!("error: {e}");
        if let Some(api) = e.api() {
            eprintln!("  what to do: {}", api.resolution());
            eprintln!("  reference:  {}", api.docs_url());
        }
        std::process::exit(1);
    }
}
