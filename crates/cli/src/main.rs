//! `idv`: the idv command line.
//!
//! - `idv serve` runs the server (see idv-server) with layered configuration.
//! - `idv admin client create|revoke` manages OAuth clients in a database;
//!   `idv admin workspace create` and `idv admin token create|revoke|list` the
//!   verification API's workspaces and tokens; `idv admin brand create` and
//!   `idv admin key create|revoke` the brands and API keys of 1-Click Signup.
//! - `idv explain <code|id|status|message words>` prints what the catalogue says
//!   about an error, from the table generated into idv-core (no YAML is read at
//!   run time), and where the reference documents it.

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
    /// Explain an error: a wire code (8003, OCE011), an id (step_called_out_of_order),
    /// an HTTP status (418), or its wire message or words of it ("rate limit").
    Explain {
        /// The code, id, status, message or words to look up.
        #[arg(required_unless_present = "list")]
        query: Option<String>,
        /// List every catalogued error instead.
        #[arg(long)]
        list: bool,
        /// Where the reference is served, to print each entry's full URL: a server
        /// (http://127.0.0.1:8080, whose /docs/ serves it) or the pages' root. Also
        /// IDV_DOCS_URL.
        #[arg(long, value_name = "URL")]
        docs_url: Option<String>,
    },
    /// Run the server (defaults: 127.0.0.1:8080, SQLite under ./idv-data/, region us, sandbox tier).
    #[command(after_help = SERVE_ENV_HELP)]
    Serve(ServeArgs),
    /// Administer a database: OAuth clients, workspaces, API tokens, 1-Click Signup brands and API keys.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

/// The environment `idv serve` reads, shown after its options.
const SERVE_ENV_HELP: &str = "\
Environment (each option above overrides its variable, which overrides the config file):
  IDV__CONFIG    the config file, as --config
  IDV__LISTEN    as --listen
  IDV__DATABASE  as --database
  IDV__REGION    as --region
  IDV__TIER      as --tier
  IDV__LOG       the log filter (e.g. info, debug, idv_server=debug,sqlx=warn); default info
  RUST_LOG       the log filter too, used when IDV__LOG is not set (IDV__LOG wins)
Connection limits (also config file keys, lower-case without IDV__; seconds may be decimals):
  IDV__HEADER_TIMEOUT            seconds to send a request's headers; default 10
  IDV__BODY_TIMEOUT              seconds to send a request's body; default 30
  IDV__MIN_BODY_RATE             slowest body, bytes a second over each window (0: none); default 256
  IDV__MIN_BODY_RATE_WINDOW      seconds the minimum body rate is measured over; default 5
  IDV__HANDLER_TIMEOUT           seconds a request may take after its body before the 503; default 30 (below 60)
  IDV__IDLE_TIMEOUT              seconds a kept-alive connection may idle; default 60
  IDV__SHUTDOWN_TIMEOUT          seconds in-flight requests get after SIGTERM; default 10
  IDV__MAX_CONNECTIONS           connections open at once; default 4096 (kept below ulimit -n)
  IDV__MAX_CONNECTIONS_PER_PEER  connections open at once from one IP address; default 256
Public address (also a config file key):
  IDV__PUBLIC_URL       the URL callers reach this server at, for /openapi.json's servers and the
                        reference links; default http:// and the listen address
Data at rest (also config file keys):
  IDV__SECRET_KEY       the server key that seals data at rest, base64 of 32 bytes (e.g. openssl rand -base64 32)
  IDV__SECRET_KEY_FILE  where the key is kept when IDV__SECRET_KEY is not set; default server.key beside the
                        SQLite database (./idv-data/server.key for PostgreSQL), created on the first start
Retention (also config file keys; seconds):
  IDV__RETENTION_SWEEP_INTERVAL  seconds between sweeps that delete expired flows, tokens, idempotency records; default 300
  IDV__RETENTION_FLOW_GRACE      seconds a flow is kept after its correlation id expired; default 3600
Background jobs (also config file keys):
  IDV__JOBS_WORKERS  job queue workers of this instance; default 2
  IDV__JOBS_LEASE    seconds a claimed job stays claimed without news from its worker; default 30
Document images (the config file's [objects] table; encrypted with a key derived from the server key):
  IDV__OBJECTS__BACKEND      local (default: objects/ in the data directory) or s3
  IDV__OBJECTS__PATH         local: the directory
  IDV__OBJECTS__ENDPOINT     s3: the store's URL (http:// only on loopback unless IDV__OBJECTS__ALLOW_HTTP=true)
  IDV__OBJECTS__BUCKET, IDV__OBJECTS__REGION, IDV__OBJECTS__ACCESS_KEY_ID, IDV__OBJECTS__SECRET_ACCESS_KEY
Any other IDV__ variable is an error, so a typo does not pass silently.";

/// `idv serve`'s options: where to listen, and the database options.
#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT: 127.0.0.1:8080, localhost:8080 (a host
    /// name is resolved), [::1]:8080, or port 0 for any free port [env: IDV__LISTEN].
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// Options shared by `serve` and `admin`: each overrides the config file and the
/// `IDV__…` environment. No `Debug`: the database URL may hold a password.
#[derive(Args, Clone, Default)]
pub struct ServerArgs {
    /// A TOML config file (keys: listen, database, region, tier, log, and the
    /// connection limits below) [env: IDV__CONFIG].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    /// (default sqlite://./idv-data/idv.db) [env: IDV__DATABASE].
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// us or eu (default us) [env: IDV__REGION].
    #[arg(long)]
    region: Option<String>,
    /// sandbox or production (default sandbox) [env: IDV__TIER].
    #[arg(long)]
    tier: Option<String>,
}

impl ServeArgs {
    /// As [`ServerArgs::resolve`], with `--listen`.
    pub fn resolve(&self) -> Result<Config, String> {
        self.server.resolve_with(self.listen.clone())
    }
}

impl ServerArgs {
    /// Defaults < config file < `IDV__…` environment < these flags.
    pub fn resolve(&self) -> Result<Config, String> {
        self.resolve_with(None)
    }

    fn resolve_with(&self, listen: Option<String>) -> Result<Config, String> {
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
            listen,
            database: self.database.clone(),
            region: self.region.clone(),
            tier: self.tier.clone(),
            ..ConfigLayer::default()
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
        Command::Explain {
            query: Some(q),
            docs_url,
            ..
        } => {
            let base = docs_url.or_else(|| std::env::var("IDV_DOCS_URL").ok());
            match explain::explain(&q, &explain::DocsBase::new(base.as_deref())) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(text) => {
                    eprint!("{text}");
                    ExitCode::FAILURE
                }
            }
        }
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
