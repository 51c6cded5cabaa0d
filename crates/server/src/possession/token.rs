//! `POST /token`: OAuth2 client credentials (RFC 6749 section 4.4). The client
//! authenticates with HTTP Basic (section 2.3.1) or with `client_id` and
//! `client_secret` in the form, not both.

use crate::app::AppState;
use crate::domain::secrets;
use crate::guard::auth::{Authenticated, BasicCredentials, basic_credentials, failed, verified};
use crate::guard::ratelimit::put_headers;
use crate::http::input::{Form, read_form};
use crate::http::ok;
use crate::possession::{Fail, malformed};
use axum::extract::{Extension, FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use idv_core::PossessionError;
use idv_core::limits::ACCESS_TOKEN_LIFETIME_SECONDS;
use serde_json::json;

/// The reason given when a client sends its credentials both ways.
pub const BOTH_WAYS: &str =
    "Authorization: use either HTTP Basic or client_id/client_secret in the form, not both";

/// A token request: the client's credentials, from HTTP Basic or the form.
pub(crate) struct TokenRequest {
    client_id: String,
    client_secret: String,
}

impl TokenRequest {
    /// Checks the grant type and finds the credentials, naming every problem.
    fn parse(
        form: &Form,
        basic: Option<Result<BasicCredentials, &'static str>>,
    ) -> Result<TokenRequest, Fail> {
        let mut reasons = Vec::new();
        match form.get("grant_type") {
            None | Some("") => reasons.push("grant_type: is required".to_string()),
            Some("client_credentials") => {}
            Some(_) => reasons.push("grant_type: must be client_credentials".to_string()),
        }
        let in_form = |name| form.get(name).filter(|v| !v.is_empty());
        let credentials = match basic {
            Some(Err(why)) => {
                reasons.push(format!("Authorization: {why}"));
                None
            }
            Some(Ok(_))
                if form.get("client_id").is_some() || form.get("client_secret").is_some() =>
            {
                reasons.push(BOTH_WAYS.to_string());
                None
            }
            Some(Ok(c)) => Some(c),
            None => {
                for name in ["client_id", "client_secret"] {
                    if in_form(name).is_none() {
                        reasons.push(format!("{name}: is required"));
                    }
                }
                in_form("client_id")
                    .zip(in_form("client_secret"))
                    .map(|(id, secret)| BasicCredentials {
                        client_id: id.to_string(),
                        client_secret: secret.to_string(),
                    })
            }
        };
        match credentials {
            Some(c) if reasons.is_empty() => Ok(TokenRequest {
                client_id: c.client_id,
                client_secret: c.client_secret,
            }),
            _ => Err(malformed(reasons.join("; "))),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for TokenRequest {
    type Rejection = Fail;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Fail> {
        let (parts, body) = req.into_parts();
        let form = read_form::<PossessionError>(body, &parts.headers).await?;
        TokenRequest::parse(&form, basic_credentials(&parts.headers))
    }
}

/// `POST /token`. A wrong secret, an unknown or revoked client, or a client of
/// another region or tier is a failed authentication (counted against the
/// caller's address and the client id it named, `guard::auth::failed`); the
/// client's own rate limit is spent only once its secret is verified
/// (`guard::auth::verified`), and the answer carries that limit's headers.
pub(crate) async fn token(
    State(st): State<AppState>,
    Extension(auth): Extension<Authenticated>,
    req: TokenRequest,
) -> Result<Response, Fail> {
    let client = st.store.get_client(&req.client_id).await?;
    let client = match client {
        Some(c)
            if c.revoked_at.is_none() && secrets::verify(&req.client_secret, &c.secret_hash) =>
        {
            c
        }
        _ => return Ok(failed(&st, &auth, Some(&req.client_id))),
    };
    let project = st.store.get_project(&client.project_id).await?;
    if !project.is_some_and(|p| p.region == st.region.as_str() && p.tier == st.tier.as_str()) {
        return Ok(failed(&st, &auth, Some(&req.client_id)));
    }
    let limit = match verified(&st, &auth, &client.client_id).await {
        Ok(d) => d,
        Err(too_many) => return Ok(too_many),
    };
    let token = secrets::random_hex(32);
    let now = st.clock.now();
    st.store
        .insert_token(
            &secrets::hash(&token),
            &client.client_id,
            now + ACCESS_TOKEN_LIFETIME_SECONDS as i64,
            now,
        )
        .await?;
    let mut resp = ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
    }));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    put_headers(resp.headers_mut(), &limit);
    Ok(resp)
}
