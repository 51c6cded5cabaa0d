//! `cargo xtask bench-regen`: how long generation takes on the real catalogue and on
//! synthetic catalogues of a given size. A benchmark, not a test: it prints timings.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn time_generate(root: &Path, runs: u32) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        idv_catalog::generate(root).map_err(|d| {
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        best = best.min(t.elapsed());
    }
    Ok(best)
}

/// Writes a copy of the real catalogue whose possession file has `n` synthetic entries.
fn synthetic(root: &Path, n: usize, dir: &Path) -> std::io::Result<()> {
    let src = root.join("catalog");
    let dst = dir.join("catalog");
    std::fs::create_dir_all(dst.join("errors"))?;
    for f in [
        "surfaces.yaml",
        "statuses.yaml",
        "outcomes.yaml",
        "troubleshooting.yaml",
        "limits.yaml",
    ] {
        std::fs::copy(src.join(f), dst.join(f))?;
    }
    let mut y = String::from("surface: possession\nerrors:\n");
    for i in 0..n {
        let code = 100_000 + i;
        y.push_str(&format!(
            "  - id: synthetic_error_{i}\n    code: {code}\n    status: 400\n    title: Synthetic error {i}\n    message: \"synthetic failure {i}: {{reason}}\"\n    params:\n      reason: {{type: string, description: Why.}}\n    description: A generated entry for the benchmark.\n    causes: [\"Cause {i}.\"]\n    resolution: Fix request {i}.\n    retry: after_fix\n    endpoints: [\"POST /v3/start\"]\n    since: \"0.1.0\"\n    examples:\n      - params: {{reason: x}}\n        body: {{code: {code}, message: \"synthetic failure {i}: x\"}}\n"
        ));
    }
    std::fs::write(dst.join("errors/possession.yaml"), y)?;
    // Troubleshooting may name real possession ids; keep only the other files' refs valid
    // by emptying the troubleshooting sections for the synthetic run.
    std::fs::write(dst.join("troubleshooting.yaml"), "sections: []\n")?;
    Ok(())
}

pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let mut sizes = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (*a, it.next()) {
            ("--entries", Some(n)) => match n.parse::<usize>() {
                Ok(n) => sizes.push(n),
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
    }
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000];
    }
    match time_generate(root, 5) {
        Ok(t) => println!(
            "real catalogue: {:.1} ms (best of 5)",
            t.as_secs_f64() * 1e3
        ),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    let mut results = Vec::new();
    for n in sizes {
        let dir = std::env::temp_dir().join(format!("idv-bench-regen-{n}-{}", std::process::id()));
        if let Err(e) = synthetic(root, n, &dir) {
            eprintln!("cannot write the synthetic catalogue: {e}");
            return ExitCode::FAILURE;
        }
        let r = time_generate(&dir, 3);
        let _ = std::fs::remove_dir_all(&dir);
        match r {
            Ok(t) => {
                println!(
                    "synthetic {n} entries: {:.1} ms (best of 3)",
                    t.as_secs_f64() * 1e3
                );
                results.push((n, t));
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let [(n0, t0), .., (n1, t1)] = results.as_slice() {
        println!(
            "growth {n0} → {n1} entries: ×{:.2} time for ×{:.1} entries",
            t1.as_secs_f64() / t0.as_secs_f64(),
            *n1 as f64 / *n0 as f64
        );
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask bench-regen [--entries N]...");
    ExitCode::from(2)
}
