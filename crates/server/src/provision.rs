//! Projects and OAuth clients (possession), workspaces and API tokens
//! (verification): the first-start sandbox project and workspace, and what
//! `idv admin client create|revoke`, `idv admin workspace create` and `idv
//! admin token create|revoke|list` do. Secrets are returned once and stored
//! only as hashes.

use crate::config::{Region, Tier};
use crate::domain::secrets;
use crate::guard::auth::{API_TOKEN_ID_HEX, API_TOKEN_ID_PREFIX, API_TOKEN_SECRET_HEX};
use crate::possession::test_users::SOLUTIONS;
use crate::store::{ApiTokenRecord, ClientRecord, Project, Store, Workspace};

/// What a new client should belong to.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Add the client to this existing project instead of creating one.
    pub project: Option<String>,
    /// Name of a new project.
    pub name: String,
    /// Region of a new project.
    pub region: Region,
    /// Tier of a new project.
    pub tier: Tier,
    /// Solution of a new project.
    pub solution: String,
    /// Countries of a new project (default: US and CA in `us`, any in `eu`).
    pub countries: Option<Vec<String>>,
}

impl ClientOptions {
    /// A new sandbox Pre-Fill project in `region`.
    pub fn sandbox(region: Region, tier: Tier) -> ClientOptions {
        ClientOptions {
            project: None,
            name: "sandbox".into(),
            region,
            tier,
            solution: "prefill".into(),
            countries: None,
        }
    }
}

/// A created client, with its secret (shown once).
#[derive(Clone, PartialEq, Eq)]
pub struct NewClient {
    /// Project id.
    pub project_id: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret, in clear text this one time.
    pub client_secret: String,
    /// The project's region.
    pub region: String,
    /// The project's tier.
    pub tier: String,
    /// The project's solution.
    pub solution: String,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("project_id", &self.project_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("region", &self.region)
            .field("tier", &self.tier)
            .field("solution", &self.solution)
            .finish()
    }
}

impl NewClient {
    /// The JSON `idv admin client create --json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "project_id": self.project_id,
            "region": self.region,
            "tier": self.tier,
            "solution": self.solution,
        })
    }
}

/// Creates a client (and, unless `opts.project` names one, its project).
pub async fn create_client(
    store: &dyn Store,
    opts: &ClientOptions,
    now: i64,
) -> Result<NewClient, String> {
    let project = match &opts.project {
        Some(id) => store
            .get_project(id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no project {id:?}"))?,
        None => {
            if !SOLUTIONS.contains(&opts.solution.as_str()) {
                return Err(format!(
                    "unknown solution {:?}: use one of {}",
                    opts.solution,
                    SOLUTIONS.join(", ")
                ));
            }
            let countries = match &opts.countries {
                Some(c) => c.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
                None => match opts.region {
                    Region::Us => vec!["US".to_string(), "CA".to_string()],
                    Region::Eu => vec!["*".to_string()],
                },
            };
            let p = Project {
                id: format!("prj_{}", secrets::random_hex(8)),
                name: opts.name.clone(),
                region: opts.region.as_str().into(),
                tier: opts.tier.as_str().into(),
                solution: opts.solution.clone(),
                countries,
                created_at: now,
            };
            store.insert_project(&p).await.map_err(|e| e.to_string())?;
            std::sync::Arc::new(p)
        }
    };
    let secret = secrets::random_hex(32);
    let client = ClientRecord {
        client_id: format!("idv_{}", secrets::random_hex(12)),
        project_id: project.id.clone(),
        secret_hash: secrets::hash(&secret),
        created_at: now,
        revoked_at: None,
    };
    store
        .insert_client(&client)
        .await
        .map_err(|e| e.to_string())?;
    Ok(NewClient {
        project_id: project.id.clone(),
        client_id: client.client_id,
        client_secret: secret,
        region: project.region.clone(),
        tier: project.tier.clone(),
        solution: project.solution.clone(),
    })
}

/// Revokes a client: its tokens stop working at once.
pub async fn revoke_client(store: &dyn Store, client_id: &str, now: i64) -> Result<(), String> {
    if store
        .revoke_client(client_id, now)
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(())
    } else {
        Err(format!("no active client {client_id:?}"))
    }
}

/// On an empty database, creates the sandbox project and its client.
pub async fn provision_if_empty(
    store: &dyn Store,
    region: Region,
    tier: Tier,
    now: i64,
) -> Result<Option<NewClient>, String> {
    if store.count_projects().await.map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    create_client(store, &ClientOptions::sandbox(region, tier), now)
        .await
        .map(Some)
}

/// A created workspace with its first API token (shown once).
#[derive(Clone, PartialEq, Eq)]
pub struct NewWorkspace {
    /// `ws_…`.
    pub workspace_id: String,
    /// Display name.
    pub name: String,
    /// `sandbox` or `production`.
    pub tier: String,
    /// Its first API token.
    pub token: NewApiToken,
}

impl std::fmt::Debug for NewWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWorkspace")
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .field("tier", &self.tier)
            .field("token", &self.token)
            .finish()
    }
}

impl NewWorkspace {
    /// The JSON `idv admin workspace create --json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "workspace_id": self.workspace_id,
            "name": self.name,
            "tier": self.tier,
            "token": self.token.token,
            "token_id": self.token.id,
            "token_name": self.token.name,
            "expires_at": self.token.expires_at,
        })
    }
}

/// A created API token `<id>|<secret>`, in clear text this one time.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// The id before `|` (`tok_…`).
    pub id: String,
    /// The workspace.
    pub workspace_id: String,
    /// Its label.
    pub name: String,
    /// The whole token, `<id>|<secret>`.
    pub token: String,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for NewApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiToken")
            .field("id", &self.id)
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl NewApiToken {
    /// The JSON `idv admin token create --json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "token_id": self.id,
            "workspace_id": self.workspace_id,
            "name": self.name,
            "token": self.token,
            "expires_at": self.expires_at,
        })
    }
}

/// The default lifetime of an API token, in days (180).
pub const API_TOKEN_DAYS: i64 = idv_core::limits::API_TOKEN_LIFETIME_SECONDS as i64 / 86_400;

/// Creates a workspace of `tier` and its first API token (named `default`,
/// valid [`API_TOKEN_DAYS`]). The workspace keeps the flow defaults.
pub async fn create_workspace(
    store: &dyn Store,
    name: &str,
    tier: Tier,
    now: i64,
) -> Result<NewWorkspace, String> {
    if name.trim().is_empty() {
        return Err("the workspace name must not be empty".into());
    }
    let w = Workspace {
        id: format!("ws_{}", secrets::random_hex(12)),
        name: name.trim().to_string(),
        tier: tier.as_str().into(),
        flows: "{}".into(),
        created_at: now,
    };
    store
        .insert_workspace(&w)
        .await
        .map_err(|e| e.to_string())?;
    let token = create_api_token(store, &w.id, "default", API_TOKEN_DAYS, now).await?;
    Ok(NewWorkspace {
        workspace_id: w.id,
        name: w.name,
        tier: w.tier,
        token,
    })
}

/// Creates an API token `<id>|<secret>` of an existing workspace, valid
/// `days` days; only the secret's SHA-256 is stored.
pub async fn create_api_token(
    store: &dyn Store,
    workspace_id: &str,
    name: &str,
    days: i64,
    now: i64,
) -> Result<NewApiToken, String> {
    if !(1..=36_500).contains(&days) {
        return Err(format!(
            "--expires-in-days must be between 1 and 36500, not {days}"
        ));
    }
    existing_workspace(store, workspace_id).await?;
    let id = format!(
        "{API_TOKEN_ID_PREFIX}{}",
        secrets::random_hex(API_TOKEN_ID_HEX / 2)
    );
    let secret = secrets::random_hex(API_TOKEN_SECRET_HEX / 2);
    let record = ApiTokenRecord {
        id: id.clone(),
        workspace_id: workspace_id.to_string(),
        name: name.to_string(),
        secret_hash: secrets::hash(&secret),
        created_at: now,
        expires_at: now + days * 86_400,
        revoked_at: None,
        last_used_at: None,
    };
    store
        .insert_api_token(&record)
        .await
        .map_err(|e| e.to_string())?;
    Ok(NewApiToken {
        token: format!("{id}|{secret}"),
        id,
        workspace_id: record.workspace_id,
        name: record.name,
        expires_at: record.expires_at,
    })
}

/// `Err` naming the workspace when the database has none of that id.
async fn existing_workspace(store: &dyn Store, workspace_id: &str) -> Result<(), String> {
    match store.get_workspace(workspace_id).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!("no workspace {workspace_id:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Revokes an API token: it is refused at once by the process that revoked
/// it, and by every other within `CachedStore::TTL`.
pub async fn revoke_api_token(store: &dyn Store, id: &str, now: i64) -> Result<(), String> {
    if store
        .revoke_api_token(id, now)
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(())
    } else {
        Err(format!("no active API token {id:?}"))
    }
}

/// The API tokens of a workspace (no secrets: only their digests are stored).
pub async fn list_api_tokens(
    store: &dyn Store,
    workspace_id: &str,
) -> Result<Vec<ApiTokenRecord>, String> {
    existing_workspace(store, workspace_id).await?;
    store
        .list_api_tokens(workspace_id)
        .await
        .map_err(|e| e.to_string())
}

/// On a database without a workspace (a fresh one, or one of an idv before the
/// verification surface), creates the sandbox workspace and its API token.
pub async fn provision_workspace_if_none(
    store: &dyn Store,
    now: i64,
) -> Result<Option<NewWorkspace>, String> {
    if store.count_workspaces().await.map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    create_workspace(store, "sandbox", Tier::Sandbox, now)
        .await
        .map(Some)
}
