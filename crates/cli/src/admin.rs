//! `idv admin`: manage OAuth clients (possession), workspaces and their API
//! tokens (verification), and the brands and API keys of 1-Click Signup,
//! directly in the database (created and migrated first, as `idv serve` does).

use crate::ServerArgs;
use clap::Subcommand;
use idv_server::provision::{
    API_TOKEN_DAYS, ClientOptions, create_api_token, create_client, create_workspace,
    list_api_tokens, revoke_api_token, revoke_client,
};
use idv_server::signup::brands::{self, BrandOptions};

/// `idv admin …`
#[derive(Subcommand)]
pub enum AdminCommand {
    /// OAuth clients.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Brands of 1-Click Signup.
    Brand {
        #[command(subcommand)]
        command: BrandCommand,
    },
    /// API keys of 1-Click Signup brands.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Workspaces of the verification API.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// API tokens of a workspace (`<id>|<secret>`).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

/// `idv admin workspace …`
#[derive(Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace and its first API token; prints the token once. The
    /// workspace's tier is --tier (sandbox unless IDV__TIER or the config file
    /// say otherwise).
    Create {
        #[command(flatten)]
        server: ServerArgs,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `idv admin brand …`
#[derive(Subcommand)]
pub enum BrandCommand {
    /// Create a brand and its first API key (of the server's tier); prints the key once.
    Create {
        #[command(flatten)]
        server: ServerArgs,
        /// Name of the brand.
        #[arg(long)]
        name: String,
        /// Integration type: hosted, semi-hosted or non-hosted.
        #[arg(long)]
        integration: String,
        /// Add-ons, comma-separated: reason-codes, phone, email.
        #[arg(long, value_delimiter = ',')]
        add_ons: Vec<String>,
        /// Where the Hosted flow sends the user when a request names no redirectUrl.
        #[arg(long)]
        redirect_url: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `idv admin token …`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token of a workspace; prints it once.
    Create {
        #[command(flatten)]
        server: ServerArgs,
        /// The workspace (ws_…).
        #[arg(long)]
        workspace: String,
        /// A label for the token.
        #[arg(long, default_value = "default")]
        name: String,
        /// Days until it expires.
        #[arg(long, default_value_t = API_TOKEN_DAYS)]
        expires_in_days: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token (by its id, the part before `|`): refused at once.
    Revoke {
        #[command(flatten)]
        server: ServerArgs,
        /// The token id (tok_…).
        token_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List a workspace's API tokens (never their secrets).
    List {
        #[command(flatten)]
        server: ServerArgs,
        /// The workspace (ws_…).
        #[arg(long)]
        workspace: String,
        /// Print JSON, one object a line.
        #[arg(long)]
        json: bool,
    },
}

/// `idv admin key …`
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create another API key for a brand; prints the key once.
    Create {
        #[command(flatten)]
        server: ServerArgs,
        /// The brand id.
        #[arg(long)]
        brand: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API key: it stops working at once.
    Revoke {
        #[command(flatten)]
        server: ServerArgs,
        /// The key id (key_…), as `key create` printed it.
        key_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

async fn run_workspace(cmd: WorkspaceCommand) -> Result<(), String> {
    let WorkspaceCommand::Create { server, name, json } = cmd;
    let (cfg, store) = open(&server).await?;
    let tier = cfg.tier;
    let r = create_workspace(store.as_ref(), &name, tier, idv_server::clock::unix_now()).await;
    store.close().await;
    let w = r?;
    if json {
        println!("{}", w.to_json());
    } else {
        println!(
            "workspace: {} ({}, tier {})\ntoken:     {}\n(the token is shown only now; idv stores a digest)",
            w.workspace_id, w.name, w.tier, w.token.token
        );
    }
    Ok(())
}

async fn run_token(cmd: TokenCommand) -> Result<(), String> {
    let now = idv_server::clock::unix_now();
    match cmd {
        TokenCommand::Create {
            server,
            workspace,
            name,
            expires_in_days,
            json,
        } => {
            let (_, store) = open(&server).await?;
            let r = create_api_token(store.as_ref(), &workspace, &name, expires_in_days, now).await;
            store.close().await;
            let t = r?;
            if json {
                println!("{}", t.to_json());
            } else {
                println!(
                    "token: {}\n(the token is shown only now; idv stores a digest)",
                    t.token
                );
            }
        }
        TokenCommand::Revoke {
            server,
            token_id,
            json,
        } => {
            let (_, store) = open(&server).await?;
            let r = revoke_api_token(store.as_ref(), &token_id, now).await;
            store.close().await;
            r?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"token_id": token_id, "revoked": true})
                );
            } else {
                println!("revoked {token_id}");
            }
        }
        TokenCommand::List {
            server,
            workspace,
            json,
        } => {
            let (_, store) = open(&server).await?;
            let r = list_api_tokens(store.as_ref(), &workspace).await;
            store.close().await;
            for t in r? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at <= now {
                    "expired"
                } else {
                    "active"
                };
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "token_id": t.id,
                            "name": t.name,
                            "state": state,
                            "created_at": t.created_at,
                            "expires_at": t.expires_at,
                            "revoked_at": t.revoked_at,
                            "last_used_at": t.last_used_at,
                        })
                    );
                } else {
                    println!(
                        "{}  {:<8} {}  expires {}",
                        t.id, state, t.name, t.expires_at
                    );
                }
            }
        }
    }
    Ok(())
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

/// Opens the database `server` names, as `idv serve` would.
async fn open(
    server: &ServerArgs,
) -> Result<(idv_server::config::Config, idv_server::store::DynStore), String> {
    let cfg = server.resolve()?;
    idv_server::config::check_sqlite_location(&cfg.database)?;
    let store = idv_server::store::open(&cfg.database)
        .await
        .map_err(|e| e.to_string())?;
    Ok((cfg, store))
}

/// Prints a new key, as JSON or as text.
fn print_key(k: &brands::NewKey, json: bool) {
    if json {
        println!("{}", k.to_json());
    } else {
        println!(
            "brand:   {} ({}, {}, {})\nkey_id:  {}\napi_key: {}\n(the key is shown only now; idv stores a digest)",
            k.brand.id, k.brand.name, k.brand.integration, k.brand.environment, k.key_id, k.api_key
        );
    }
}

/// Runs an admin command.
pub async fn run(cmd: AdminCommand) -> Result<(), String> {
    let now = idv_server::clock::unix_now();
    let command = match cmd {
        AdminCommand::Client { command } => command,
        AdminCommand::Workspace { command } => return run_workspace(command).await,
        AdminCommand::Token { command } => return run_token(command).await,
        AdminCommand::Brand {
            command:
                BrandCommand::Create {
                    server,
                    name,
                    integration,
                    add_ons,
                    redirect_url,
                    json,
                },
        } => {
            let (cfg, store) = open(&server).await?;
            let opts = BrandOptions {
                name,
                integration,
                add_ons,
                redirect_url,
                tier: cfg.tier,
            };
            let r = brands::create_brand(store.as_ref(), &opts, now).await;
            store.close().await;
            print_key(&r?, json);
            return Ok(());
        }
        AdminCommand::Key {
            command:
                KeyCommand::Create {
                    server,
                    brand,
                    json,
                },
        } => {
            let (_, store) = open(&server).await?;
            let r = brands::create_key(store.as_ref(), &brand, now).await;
            store.close().await;
            print_key(&r?, json);
            return Ok(());
        }
        AdminCommand::Key {
            command:
                KeyCommand::Revoke {
                    server,
                    key_id,
                    json,
                },
        } => {
            let (_, store) = open(&server).await?;
            let r = brands::revoke_key(store.as_ref(), &key_id, now).await;
            store.close().await;
            r?;
            if json {
                println!("{}", serde_json::json!({"key_id": key_id, "revoked": true}));
            } else {
                println!("revoked {key_id}");
            }
            return Ok(());
        }
    };
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
