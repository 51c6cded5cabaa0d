//! The workspace's address blacklist: `GET`/`POST /api/v1/address-blacklist`
//! and `DELETE /api/v1/address-blacklist/{id}`. An entry is a full address or
//! some of its components; the document pipeline's address rule reads it.

use super::fields::Check;
use super::model::{self, BlacklistId};
use super::store::BlacklistEntry;
use super::{Fail, data};
use crate::app::AppState;
use crate::domain::country::Country;
use crate::domain::date::Timestamp;
use crate::guard::auth::WorkspacePrincipal;
use crate::http::input::read_json_object;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::VerificationError;
use serde_json::json;

/// The wire form of a stored entry.
fn wire(e: &BlacklistEntry) -> Result<model::BlacklistEntry, Fail> {
    let bad = |what: &str| {
        Fail::Internal(format!(
            "blacklist entry {}: stored {what} does not parse",
            e.id
        ))
    };
    Ok(model::BlacklistEntry {
        id: BlacklistId::parse(&e.id).ok_or_else(|| bad("id"))?,
        street: e.street.clone(),
        city: e.city.clone(),
        state: e.state.clone(),
        postal_code: e.postal_code.clone(),
        country: match &e.country {
            Some(c) => Some(Country::parse(c).map_err(|_| bad("country"))?),
            None => None,
        },
        created_at: Timestamp::from_unix_ms(e.created_at * 1000),
    })
}

/// `GET /api/v1/address-blacklist`: newest first.
pub async fn list(State(st): State<AppState>, ws: WorkspacePrincipal) -> Result<Response, Fail> {
    let entries = st.store.list_blacklist(ws.workspace_id()).await?;
    let wire = entries.iter().map(wire).collect::<Result<Vec<_>, _>>()?;
    Ok(data(StatusCode::OK, serde_json::to_value(wire)?))
}

/// `POST /api/v1/address-blacklist`: at least one component, each a string of
/// at most `VERIFICATION_TEXT_MAX_LENGTH` characters, `country` alpha-3.
pub async fn create(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    req: Request,
) -> Result<Response, Fail> {
    let body = read_json_object::<VerificationError>(req).await?;
    let mut c = Check::new();
    let [street, city, state, postal_code, country] =
        ["street", "city", "state", "postal_code", "country"]
            .map(|name| c.string(&body, "", name, false));
    let country = country.and_then(|text| match Country::parse(&text) {
        Ok(country) => Some(country),
        Err(reason) => {
            c.invalid("country", reason);
            None
        }
    });
    let given = [&street, &city, &state, &postal_code]
        .iter()
        .any(|v| v.is_some())
        || country.is_some();
    if !c.has_errors() && !given {
        c.invalid(
            "street",
            "give a full address or at least one of street, city, state, postal_code and country",
        );
    }
    c.finish()?;
    let entry = BlacklistEntry {
        id: BlacklistId::generate().as_str().to_string(),
        workspace_id: ws.workspace_id().to_string(),
        street,
        city,
        state,
        postal_code,
        country: country.map(|c| c.as_str().to_string()),
        created_at: st.clock.now_ms() / 1000,
    };
    st.store.insert_blacklist_entry(&entry).await?;
    Ok(data(
        StatusCode::CREATED,
        serde_json::to_value(wire(&entry)?)?,
    ))
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
