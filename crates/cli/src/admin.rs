//! `idv admin`: manage OAuth clients directly in the database (created and
//! migrated first, as `idv serve` does).

use crate::ServerArgs;
use clap::Subcommand;
use idv_server::provision::{ClientOptions, create_client, revoke_client};

/// `idv admin …`
#[derive(Subcommand)]
pub enum AdminCommand {
    /// OAuth clients.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
}

/// `idv admin client …`
#[derive(Subcommand)]
pub enum ClientCommand {
    /// Create a project (or use --project) and an OAuth client for it; prints the secret once.
    Create {
        #[command(flatten)]
        server: ServerArgs,
        /// Add the client to this existing project.
        #[arg(long)]
        project: Option<String>,
        /// Solution of a new project: prefill, identity, unify, identity_manager or verified_users.
        #[arg(long, default_value = "prefill")]
        solution: String,
        /// Countries of a new project, comma-separated ISO codes, or * for any
        /// (default: US,CA in region us, * in eu).
        #[arg(long, value_delimiter = ',')]
        countries: Option<Vec<String>>,
        /// Name of a new project.
        #[arg(long, default_value = "default")]
        name: String,
        /// How many clients to create, all of the same project (with --json, one
        /// JSON object per line).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        count: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an OAuth client: its access tokens stop working at once.
    Revoke {
        #[command(flatten)]
        server: ServerArgs,
        /// The client id.
        client_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an admin command.
pub async fn run(cmd: AdminCommand) -> Result<(), String> {
    let AdminCommand::Client { command } = cmd;
    match command {
        ClientCommand::Create {
            server,
            project,
            solution,
            countries,
            name,
            count,
            json,
        } => {
            let cfg = server.resolve()?;
            idv_server::config::check_sqlite_location(&cfg.database)?;
            let store = idv_server::store::open(&cfg.database)
                .await
                .map_err(|e| e.to_string())?;
            let mut opts = ClientOptions {
                project,
                name,
                region: cfg.region,
                tier: cfg.tier,
                solution,
                countries,
            };
            let mut result = Ok(());
            for _ in 0..count {
                let c = match create_client(store.as_ref(), &opts, idv_server::clock::unix_now())
                    .await
                {
                    Ok(c) => c,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                };
                // The clients after the first join the first one's project.
                opts.project = Some(c.project_id.clone());
                if json {
                    println!("{}", c.to_json());
                } else {
                    println!(
                        "project:       {} (region {}, tier {}, solution {})\nclient_id:     {}\nclient_secret: {}\n(the secret is shown only now; idv stores a hash)",
                        c.project_id, c.region, c.tier, c.solution, c.client_id, c.client_secret
                    );
                }
            }
            store.close().await;
            result
        }
        ClientCommand::Revoke {
            server,
            client_id,
            json,
        } => {
            let cfg = server.resolve()?;
            idv_server::config::check_sqlite_location(&cfg.database)?;
            let store = idv_server::store::open(&cfg.database)
                .await
                .map_err(|e| e.to_string())?;
            let r = revoke_client(store.as_ref(), &client_id, idv_server::clock::unix_now()).await;
            store.close().await;
            r?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"client_id": client_id, "revoked": true})
                );
            } else {
                println!("revoked {client_id}");
            }
            Ok(())
        }
    }
}
