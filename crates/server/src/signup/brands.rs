//! Brands and their API keys: what `idv admin brand create`, `idv admin key
//! create|revoke` and the first start of `idv serve` do. A key is returned once
//! and stored only as its SHA-256 digest.

use crate::config::Tier;
use crate::domain::secrets;
use crate::signup::store::{ApiKeyRecord, BrandRecord, SignupStore};

/// The integration types of a brand (the 1-Click Signup API's).
pub const INTEGRATIONS: &[&str] = &["hosted", "semi-hosted", "non-hosted"];

/// The add-ons a brand may have: overall reason codes, phone signals, email signals.
pub const ADD_ONS: &[&str] = &["reason-codes", "phone", "email"];

/// What a new brand should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandOptions {
    /// Display name.
    pub name: String,
    /// One of [`INTEGRATIONS`].
    pub integration: String,
    /// Some of [`ADD_ONS`].
    pub add_ons: Vec<String>,
    /// The default redirect URL of the Hosted flow.
    pub redirect_url: Option<String>,
    /// The environment of the brand and its keys: the server's tier.
    pub tier: Tier,
}

impl BrandOptions {
    /// The brand the first start provisions: Non-Hosted, every add-on.
    pub fn sandbox(tier: Tier) -> BrandOptions {
        BrandOptions {
            name: "sandbox".into(),
            integration: "non-hosted".into(),
            add_ons: ADD_ONS.iter().map(|a| a.to_string()).collect(),
            redirect_url: None,
            tier,
        }
    }
}

/// A created key, shown once.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The key's public id.
    pub key_id: String,
    /// The key, in clear text this one time.
    pub api_key: String,
    /// Its brand.
    pub brand: BrandRecord,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("key_id", &self.key_id)
            .field("api_key", &"<redacted>")
            .field("brand", &self.brand)
            .finish()
    }
}

impl NewKey {
    /// The JSON `idv admin brand create --json` and `idv admin key create --json` print.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "brand_id": self.brand.id,
            "api_key": self.api_key,
            "key_id": self.key_id,
            "name": self.brand.name,
            "integration": self.brand.integration,
            "add_ons": self.brand.add_ons,
            "redirect_url": self.brand.redirect_url,
            "environment": self.brand.environment,
        })
    }
}

/// Creates a brand and its first key.
pub async fn create_brand<S: SignupStore + ?Sized>(
    store: &S,
    opts: &BrandOptions,
    now: i64,
) -> Result<NewKey, String> {
    let integration = opts.integration.trim().to_ascii_lowercase();
    if !INTEGRATIONS.contains(&integration.as_str()) {
        return Err(format!(
            "unknown integration {:?}: use one of {}",
            opts.integration,
            INTEGRATIONS.join(", ")
        ));
    }
    let mut add_ons = Vec::new();
    for a in &opts.add_ons {
        let a = a.trim().to_ascii_lowercase();
        if a.is_empty() {
            continue;
        }
        if !ADD_ONS.contains(&a.as_str()) {
            return Err(format!(
                "unknown add-on {a:?}: use some of {}",
                ADD_ONS.join(", ")
            ));
        }
        if !add_ons.contains(&a) {
            add_ons.push(a);
        }
    }
    if let Some(url) = &opts.redirect_url {
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err(format!(
                "invalid redirect URL {url:?}: use an http or https URL"
            ));
        }
    }
    let brand = BrandRecord {
        id: format!("brd_{}", secrets::random_hex(12)),
        name: opts.name.clone(),
        integration,
        add_ons,
        redirect_url: opts.redirect_url.clone(),
        environment: opts.tier.as_str().into(),
        created_at: now,
    };
    store
        .insert_brand(&brand)
        .await
        .map_err(|e| e.to_string())?;
    insert_key(store, brand, now).await
}

/// Creates another key for the brand `brand_id`.
pub async fn create_key<S: SignupStore + ?Sized>(
    store: &S,
    brand_id: &str,
    now: i64,
) -> Result<NewKey, String> {
    let brand = store
        .get_brand(brand_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no brand {brand_id:?}"))?;
    insert_key(store, brand, now).await
}

async fn insert_key<S: SignupStore + ?Sized>(
    store: &S,
    brand: BrandRecord,
    now: i64,
) -> Result<NewKey, String> {
    let prefix = if brand.environment == "production" {
        "sk_live_"
    } else {
        "sk_sandbox_"
    };
    let api_key = format!("{prefix}{}", secrets::random_hex(24));
    let key = ApiKeyRecord {
        key_id: format!("key_{}", secrets::random_hex(12)),
        brand_id: brand.id.clone(),
        key_digest: secrets::hash(&api_key),
        environment: brand.environment.clone(),
        created_at: now,
        revoked_at: None,
        flagged_at: None,
        client_side_uses: 0,
    };
    store
        .insert_api_key(&key)
        .await
        .map_err(|e| e.to_string())?;
    Ok(NewKey {
        key_id: key.key_id,
        api_key,
        brand,
    })
}

/// Revokes a key: it stops working at once.
pub async fn revoke_key<S: SignupStore + ?Sized>(
    store: &S,
    key_id: &str,
    now: i64,
) -> Result<(), String> {
    if store
        .revoke_api_key(key_id, now)
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(())
    } else {
        Err(format!("no active key {key_id:?}"))
    }
}

/// When no brand exists, creates the sandbox brand and its key.
pub async fn provision_if_none<S: SignupStore + ?Sized>(
    store: &S,
    tier: Tier,
    now: i64,
) -> Result<Option<NewKey>, String> {
    if store.count_brands().await.map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    create_brand(store, &BrandOptions::sandbox(tier), now)
        .await
        .map(Some)
}
