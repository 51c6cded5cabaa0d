//! The workspace's address blacklist: `GET`/`POST /api/v1/address-blacklist`
//! and `DELETE /api/v1/address-blacklist/{id}`. An entry is a full address or
//! some of its components; the document pipeline's address rule reads it.

use super::store::BlacklistEntry;
use super::{Fail, data, text_field};
use crate::app::AppState;
use crate::domain::country::Country;
use crate::domain::date::Timestamp;
use crate::domain::secrets;
use crate::guard::auth::WorkspacePrincipal;
use crate::http::input::read_json_object;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::VerificationError;
use serde_json::{Value, json};

/// The components of an entry, as the request and the answer name them.
const COMPONENTS: [&str; 5] = ["street", "city", "state", "postal_code", "country"];

/// The longest component.
pub const COMPONENT_MAX_CHARS: usize = 255;

/// The wire form of an entry.
fn wire(e: &BlacklistEntry) -> Value {
    json!({
        "id": e.id,
        "street": e.street,
        "city": e.city,
        "state": e.state,
        "postal_code": e.postal_code,
        "country": e.country,
        "created_at": Timestamp::from_unix_ms(e.created_at * 1000).to_string(),
    })
}

/// `GET /api/v1/address-blacklist`: newest first.
pub async fn list(State(st): State<AppState>, ws: WorkspacePrincipal) -> Result<Response, Fail> {
    let entries = st.store.list_blacklist(ws.workspace_id()).await?;
    Ok(data(
        StatusCode::OK,
        Value::Array(entries.iter().map(wire).collect()),
    ))
}

/// `POST /api/v1/address-blacklist`: at least one component, each a string of
/// at most [`COMPONENT_MAX_CHARS`] characters, `country` alpha-3.
pub async fn create(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    req: Request,
) -> Result<Response, Fail> {
    let body = read_json_object::<VerificationError>(req).await?;
    let mut errors = Vec::new();
    let mut values: [Option<String>; 5] = Default::default();
    for (name, slot) in COMPONENTS.iter().zip(values.iter_mut()) {
        *slot = text_field(&body, name, COMPONENT_MAX_CHARS, &mut errors);
    }
    if let Some(country) = values[4].as_mut() {
        match Country::parse(country) {
            Ok(c) => *country = c.as_str().to_string(),
            Err(reason) => errors.push(VerificationError::FieldInvalid {
                field: "country".into(),
                reason: reason.into(),
            }),
        }
    }
    if errors.is_empty() && values.iter().all(Option::is_none) {
        errors.push(VerificationError::FieldInvalid {
            field: "street".into(),
            reason: "give a full address or at least one of street, city, state, postal_code and country".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Fail::Invalid(errors));
    }
    let [street, city, state, postal_code, country] = values;
    let entry = BlacklistEntry {
        id: format!("bl_{}", secrets::random_hex(12)),
        workspace_id: ws.workspace_id().to_string(),
        street,
        city,
        state,
        postal_code,
        country,
        created_at: st.clock.now_ms() / 1000,
    };
    st.store.insert_blacklist_entry(&entry).await?;
    Ok(data(StatusCode::CREATED, wire(&entry)))
}

/// `DELETE /api/v1/address-blacklist/{id}`: 404 for an unknown id and for
/// another workspace's alike.
pub async fn delete(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    if !st
        .store
        .delete_blacklist_entry(ws.workspace_id(), &id)
        .await?
    {
        return Err(Fail::Api(VerificationError::ResourceNotFound {
            resource: "Address blacklist entry".into(),
        }));
    }
    Ok(data(StatusCode::OK, json!({"id": id})))
}
