//! `idv`: the idv command line.
//!
//! `idv explain <code|id|status>` prints what the catalogue says about an error,
//! from the table generated into idv-core (no YAML is read at run time).

mod explain;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// idv: an open identity-verification API platform.
#[derive(Parser)]
#[command(name = "idv", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Explain an error: a wire code (8003, OCE011), an id (step_called_out_of_order) or an HTTP status (418).
    Explain {
        /// The code, id or status to explain.
        #[arg(required_unless_present = "list")]
        query: Option<String>,
        /// List every catalogued error instead.
        #[arg(long)]
        list: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Explain { list: true, .. } => {
            print!("{}", explain::list());
            ExitCode::SUCCESS
        }
        Command::Explain { query: Some(q), .. } => match explain::explain(&q) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(text) => {
                eprint!("{text}");
                ExitCode::FAILURE
            }
        },
        Command::Explain { query: None, .. } => ExitCode::from(2),
    }
}
