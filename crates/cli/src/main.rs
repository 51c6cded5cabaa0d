//! `idv`: the idv command line.
//!
//! - `idv serve` runs the server (see idv-server) with layered configuration.
//! - `idv admin client create|revoke` manages OAuth clients in a database.
//! - `idv explain <code|id|status>` prints what the catalogue says about an error,
//!   from the table generated into idv-core (no YAML is read at run time).

mod admin;
mod explain;

use clap::{Args, Parser, Subcommand};
use idv_server::config::{Config, ConfigLayer};
use std::path::PathBuf;
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
    /// Run the server (defaults: 127.0.0.1:8080, SQLite under ./idv-data/, region us, sandbox tier).
    Serve(ServerArgs),
    /// Administer a database: OAuth clients.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

/// Options shared by `serve` and `admin`: each overrides the config file and the
/// `IDV__…` environment. No `Debug`: the database URL may hold a password.
#[derive(Args, Clone, Default)]
pub struct ServerArgs {
    /// A TOML config file (keys: listen, database, region, tier, log); also IDV__CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long)]
    database: Option<String>,
    /// us or eu.
    #[arg(long)]
    region: Option<String>,
    /// sandbox or production.
    #[arg(long)]
    tier: Option<String>,
}

impl ServerArgs {
    /// Defaults < config file < `IDV__…` environment < these flags.
    pub fn resolve(&self) -> Result<Config, String> {
        let mut layers = Vec::new();
        let file = self
            .config
            .clone()
            .or_else(|| std::env::var_os("IDV__CONFIG").map(PathBuf::from));
        if let Some(path) = &file {
            layers.push(ConfigLayer::from_file(path)?);
        }
        layers.push(ConfigLayer::from_env(std::env::vars())?);
        layers.push(ConfigLayer {
            listen: self.listen.clone(),
            database: self.database.clone(),
            region: self.region.clone(),
            tier: self.tier.clone(),
            log: None,
        });
        Config::resolve(&layers)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("idv: {msg}");
    ExitCode::FAILURE
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
        Command::Serve(args) => {
            let cfg = match args.resolve() {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            idv_server::init_tracing(&cfg.log);
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(e) => return fail(&e),
            };
            match rt.block_on(idv_server::serve::run(cfg)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::Admin { command } => {
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(e) => return fail(&e),
            };
            match rt.block_on(admin::run(command)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
    }
}
