//! Projects and OAuth clients: the first-start sandbox project, and what
//! `idv admin client create|revoke` does. Secrets are returned once and stored
//! only as hashes.

use crate::config::{Region, Tier};
use crate::domain::secrets;
use crate::possession::test_users::SOLUTIONS;
use crate::store::{ClientRecord, Project, Store};

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
