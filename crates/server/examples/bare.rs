//! A bare axum app for `bench/run.sh`: it answers every request, whatever its
//! method, path or body, with the bytes `idv serve` sends on one error path, so
//! the benchmark can compare the server with the cheapest possible handler.
//!
//! ```sh
//! cargo run --release -p idv-server --example bare -- PORT MODE
//! ```
//!
//! `MODE` is `401` (8002), `8001` (the over-size body) or `429` (8018); the
//! answer is `benches/support/fixed.rs`, shared with `cargo bench --bench edge`.
//! The runtime is built like the CLI's (multi-threaded, one worker per core).

#[path = "../benches/support/fixed.rs"]
mod fixed;

use axum::Router;
use fixed::Fixed;
use std::net::SocketAddr;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(port), Some(fixed)) = (
        args.first().and_then(|p| p.parse::<u16>().ok()),
        args.get(1).and_then(|m| Fixed::for_mode(m)),
    ) else {
        eprintln!("usage: bare PORT 401|8001|429");
        return ExitCode::FAILURE;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bare: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        // One shared copy: a request costs a reference count, not a copy of the
        // header list, so the baseline is as cheap as a handler can be.
        let fixed = std::sync::Arc::new(fixed);
        let app = Router::new().fallback(move || {
            let fixed = fixed.clone();
            async move { fixed.respond() }
        });
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        axum::serve(listener, app).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bare: {e}");
            ExitCode::FAILURE
        }
    }
}
