//! Project automation, run as `cargo xtask <command>`.
//!
//! - `regen`: regenerate every output of the catalogue (idv-core's generated code,
//!   docs/reference, catalog/codes.lock).
//! - `regen --check`: write nothing; fail naming each stale file and the command to run.
//! - `--root DIR` runs either on another checkout (used by the tests).
//! - `bench-regen [--entries N]...`: time generation on the real catalogue and on
//!   synthetic catalogues of N entries (a benchmark, not a test).

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regen"] => regen(&root(), false),
        ["regen", "--check"] => regen(&root(), true),
        ["regen", "--root", dir] => regen(Path::new(dir), false),
        ["regen", "--check", "--root", dir] => regen(Path::new(dir), true),
        ["bench-regen", rest @ ..] => bench::run(&root(), rest),
        _ => {
            eprintln!(
                "usage: cargo xtask regen [--check] | cargo xtask bench-regen [--entries N]..."
            );
            ExitCode::from(2)
        }
    }
}

fn regen(root: &Path, check: bool) -> ExitCode {
    match idv_catalog::sync(root, check) {
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            eprintln!(
                "error: the catalogue has {} problem(s); nothing was written",
                diags.len()
            );
            ExitCode::FAILURE
        }
        Ok(report) => {
            for r in &report.lock_reports {
                eprintln!("note: {r}");
            }
            if check {
                if report.stale.is_empty() && report.extra.is_empty() {
                    println!(
                        "regen --check: {} generated files are up to date",
                        report.outputs
                    );
                    return ExitCode::SUCCESS;
                }
                for f in &report.stale {
                    eprintln!("stale: {f}");
                }
                for f in &report.extra {
                    eprintln!("not generated any more: {f}");
                }
                eprintln!(
                    "error: generated files are out of date; run `cargo xtask regen` and commit the result"
                );
                ExitCode::FAILURE
            } else {
                for f in &report.stale {
                    println!("wrote {f}");
                }
                for f in &report.extra {
                    println!("removed {f}");
                }
                println!(
                    "regen: {} outputs, {} changed",
                    report.outputs,
                    report.stale.len() + report.extra.len()
                );
                ExitCode::SUCCESS
            }
        }
    }
}
