//! The verifications of a workspace: list (per flow and across flows), create,
//! show (with history and comments), the lifecycle actions, comments and
//! erasure.
//!
//! Every lookup is by the token's workspace, so another workspace's id is the
//! same 404 as an unknown one; an id of the other flow is the catalogued 400
//! `Invalid verification flow.`. Every change is decided on the version the
//! handler read and written by one conditional update with its history row
//! (`VerificationStore::change_verification`): of concurrent requests decided
//! on one version exactly one is written, and the others decide again on what
//! it wrote (a duplicate approve then finds the verification Approved and
//! answers it unchanged, a duplicate submit gets "has already started").
//! `expected_data`, comment bodies and the capture token are sealed with the
//! server key, bound to the verification.

use super::expected::{ExpectedData, parse_create};
use super::fields::Check;
use super::flows::{Flow, FlowConfig, FlowOverrides};
use super::model::{
    Comment, CommentId, HistoryEntry, Verification, VerificationId, VerificationStatusPair,
};
use super::status::{Action, Transition, VerificationStatus, apply};
use super::store::{CommentRecord, HistoryRecord, VerificationChange, VerificationRecord};
use super::{Fail, data};
use crate::app::AppState;
use crate::domain::date::{CalendarDate, Timestamp};
use crate::domain::secrets;
use crate::guard::auth::WorkspacePrincipal;
use crate::http::input::{parse_form, read_json_object};
use crate::http::respond::{Page, PageQuery, json_response};
use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::VerificationError;
use idv_core::limits::{VERIFICATION_PAGE_SIZE, VERIFICATION_PAGE_SIZE_MAX};
use std::collections::BTreeMap;

/// How many times a change is decided again when another request changed the
/// verification in between, before the request gives up with a 500.
const RETRIES: usize = 16;

/// The flow of a path segment; an unknown segment is an unknown path.
fn flow_of(segment: &str) -> Result<Flow, Fail> {
    Flow::from_path(segment).ok_or(Fail::Api(VerificationError::RouteNotFound))
}

/// The configuration of `flow` in workspace `ws` whose overrides are `flows`
/// (its JSON, keyed by flow): the defaults with the overrides applied.
pub(crate) fn config_of(ws: &str, flows: &str, flow: Flow) -> Result<FlowConfig, Fail> {
    let overrides: BTreeMap<String, FlowOverrides> = serde_json::from_str(flows)
        .map_err(|e| Fail::Internal(format!("workspace {ws}: flow overrides: {e}")))?;
    match overrides.get(flow.path()) {
        None => Ok(flow.defaults().clone()),
        Some(o) => flow.defaults().with(o).map_err(|problems| {
            Fail::Internal(format!(
                "workspace {ws}: flow {}: {}",
                flow.path(),
                problems.join("; ")
            ))
        }),
    }
}

fn not_found() -> Fail {
    Fail::Api(VerificationError::ResourceNotFound {
        resource: "Verification".into(),
    })
}

/// The verification `id` of the caller's workspace in `flow`: 404 when the id
/// is malformed, unknown or another workspace's; 400 when it is in the other
/// flow.
async fn load(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Flow,
    id: &str,
) -> Result<VerificationRecord, Fail> {
    let id = VerificationId::parse(id).ok_or_else(not_found)?;
    let rec = st
        .store
        .get_verification(ws.workspace_id(), id.as_str())
        .await?
        .ok_or_else(not_found)?;
    if rec.flow != flow.path() {
        return Err(Fail::Api(VerificationError::InvalidVerificationFlow));
    }
    Ok(rec)
}

fn status_of(rec: &VerificationRecord) -> Result<VerificationStatus, Fail> {
    VerificationStatus::from_value(rec.status).ok_or_else(|| {
        Fail::Internal(format!(
            "verification {}: stored status {}",
            rec.id, rec.status
        ))
    })
}

/// Where a sealed value of verification `id` belongs (`what`: `expected_data`,
/// `capture`, `comment:com_…`).
fn seal_context(id: &str, what: &str) -> String {
    format!("verification:{id}:{what}")
}

fn open(st: &AppState, id: &str, what: &str, sealed: &str) -> Result<Vec<u8>, Fail> {
    st.key
        .open(sealed, &seal_context(id, what))
        .ok_or_else(|| Fail::Internal(format!("verification {id}: {what} does not open")))
}

/// The end-user capture page of a capture token (in the query: the server
/// logs paths, never queries).
pub(crate) fn capture_url(st: &AppState, token: &str) -> String {
    format!(
        "{}/api/v1/capture?token={token}",
        st.public_url.trim_end_matches('/')
    )
}

/// The PNG QR code of [`capture_url`].
fn qr_url(st: &AppState, token: &str) -> String {
    format!(
        "{}/api/v1/capture/qr.png?token={token}",
        st.public_url.trim_end_matches('/')
    )
}

/// The wire form of a stored verification, with its history and comments
/// for the detail view.
fn wire(
    st: &AppState,
    rec: &VerificationRecord,
    detail: Option<(Vec<HistoryRecord>, Vec<CommentRecord>)>,
) -> Result<Verification, Fail> {
    let bad = |what: &str| Fail::Internal(format!("verification {}: stored {what}", rec.id));
    let expected_data = match &rec.expected_data {
        Some(sealed) => Some(
            serde_json::from_slice::<ExpectedData>(&open(st, &rec.id, "expected_data", sealed)?)
                .map_err(|_| bad("expected_data"))?,
        ),
        None => None,
    };
    let token = String::from_utf8(open(st, &rec.id, "capture", &rec.capture_token)?)
        .map_err(|_| bad("capture token"))?;
    let url = capture_url(st, &token);
    let qr_code = qr_url(st, &token);
    let (history, comments) = match detail {
        None => (Vec::new(), Vec::new()),
        Some((history, comments)) => (
            history.iter().map(history_entry).collect(),
            comments
                .iter()
                .map(|c| comment(st, c))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Verification {
        id: VerificationId::parse(&rec.id).ok_or_else(|| bad("id"))?,
        qr_code,
        url,
        vendor_reference: rec.vendor_reference.clone(),
        vendor_state: rec.vendor_state.clone(),
        expected_data,
        status: VerificationStatusPair(status_of(rec)?),
        submitted_at: rec.submitted_at.map(Timestamp::from_unix_ms),
        created_at: Timestamp::from_unix_ms(rec.created_at),
        updated_at: Timestamp::from_unix_ms(rec.updated_at),
        flow: Flow::from_path(&rec.flow).ok_or_else(|| bad("flow"))?,
        documents: Vec::new(),
        history,
        comments,
    })
}

fn history_entry(h: &HistoryRecord) -> HistoryEntry {
    HistoryEntry {
        action: h.action.clone(),
        actor: h.actor.clone(),
        from_status: h.from_status.and_then(VerificationStatus::from_value),
        to_status: h.to_status.and_then(VerificationStatus::from_value),
        created_at: Timestamp::from_unix_ms(h.created_at),
    }
}

fn comment(st: &AppState, c: &CommentRecord) -> Result<Comment, Fail> {
    let body = open(
        st,
        &c.verification_id,
        &format!("comment:{}", c.id),
        &c.body,
    )?;
    Ok(Comment {
        id: CommentId::parse(&c.id)
            .ok_or_else(|| Fail::Internal(format!("comment {}: stored id", c.id)))?,
        body: String::from_utf8(body)
            .map_err(|_| Fail::Internal(format!("comment {}: not UTF-8", c.id)))?,
        private: c.private,
        actor: c.actor.clone(),
        created_at: Timestamp::from_unix_ms(c.created_at),
    })
}

/// A new comment of `actor` on verification `id`, its body sealed.
fn new_comment(
    st: &AppState,
    id: &str,
    body: &str,
    private: bool,
    actor: &str,
    now: i64,
) -> CommentRecord {
    let cid = CommentId::generate().as_str().to_string();
    CommentRecord {
        body: st.key.seal(
            body.as_bytes(),
            &seal_context(id, &format!("comment:{cid}")),
        ),
        id: cid,
        verification_id: id.to_string(),
        private,
        actor: actor.to_string(),
        created_at: now,
    }
}

fn answer(status: StatusCode, v: &Verification) -> Result<Response, Fail> {
    Ok(data(status, serde_json::to_value(v)?))
}

/// `GET /api/v1/{flow}/verifications`.
pub async fn list_flow(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path(flow): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    list(&st, &ws, Some(flow), uri.path(), query).await
}

/// `GET /api/v1/verifications`: every flow.
pub async fn list_all(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Result<Response, Fail> {
    list(&st, &ws, None, uri.path(), query).await
}

async fn list(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Option<Flow>,
    path: &str,
    query: Option<String>,
) -> Result<Response, Fail> {
    let pairs = parse_form(query.unwrap_or_default().as_bytes());
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let page = PageQuery::parse(
        get("page"),
        get("per_page"),
        VERIFICATION_PAGE_SIZE,
        VERIFICATION_PAGE_SIZE_MAX,
    )
    .map_err(|e| {
        Fail::Invalid(vec![VerificationError::FieldInvalid {
            field: e.field.into(),
            reason: e.reason,
        }])
    })?;
    let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
    let rows = st
        .store
        .list_verifications(
            ws.workspace_id(),
            flow.map(Flow::path),
            offset,
            page.per_page as i64,
        )
        .await?;
    let items = rows
        .rows
        .iter()
        .map(|r| wire(st, r, None))
        .collect::<Result<Vec<_>, _>>()?;
    let url = format!("{}{path}", st.public_url.trim_end_matches('/'));
    let page = Page::new(items, &page, rows.total.max(0) as u64, &url);
    Ok(json_response(StatusCode::OK, &page.to_value()?))
}

/// `POST /api/v1/{flow}/verifications`: 201 with the new verification, status
/// Started.
pub async fn create(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path(flow): Path<String>,
    req: Request,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    let config = config_of(&ws.workspace.id, &ws.workspace.flows, flow)?;
    let body = read_json_object::<VerificationError>(req).await?;
    let now = st.clock.now_ms();
    let parsed = parse_create(&body, &config, CalendarDate::utc_of(now / 1000))?;
    let id = VerificationId::generate().as_str().to_string();
    let capture = secrets::random_hex(32);
    let expected = serde_json::to_vec(&parsed.expected_data)?;
    let rec = VerificationRecord {
        expected_data: Some(st.key.seal(&expected, &seal_context(&id, "expected_data"))),
        capture_token: st
            .key
            .seal(capture.as_bytes(), &seal_context(&id, "capture")),
        capture_hash: secrets::hash(&capture),
        workspace_id: ws.workspace_id().to_string(),
        flow: flow.path().to_string(),
        status: VerificationStatus::Started.value(),
        version: 1,
        held_from: None,
        vendor_reference: parsed.vendor_reference,
        vendor_state: parsed.vendor_state,
        submitted_at: None,
        created_at: now,
        updated_at: now,
        erased_at: None,
        id,
    };
    let created = HistoryRecord {
        verification_id: rec.id.clone(),
        version: 1,
        action: "create".into(),
        actor: ws.token.id.clone(),
        from_status: None,
        to_status: Some(rec.status),
        created_at: now,
    };
    st.store.insert_verification(&rec, &created).await?;
    answer(StatusCode::CREATED, &wire(&st, &rec, None)?)
}

/// `GET /api/v1/{flow}/verifications/{id}`: with its history (oldest first)
/// and every comment (newest first) with its `private` flag: the API token
/// sees them all; "private" means hidden from the end user.
pub async fn show(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let rec = load(&st, &ws, flow_of(&flow)?, &id).await?;
    let history = st.store.verification_history(&rec.id).await?;
    let comments = st.store.verification_comments(&rec.id).await?;
    answer(StatusCode::OK, &wire(&st, &rec, Some((history, comments)))?)
}

/// `POST /api/v1/{flow}/verifications/{id}/{action}`: the lifecycle table of
/// `status::apply`; reject takes `{"reason"}`, kept as a comment of the
/// rejection.
pub async fn act(
    action: Action,
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    let reason = if action == Action::Reject {
        // The verification first (as for a comment): an unknown or another
        // workspace's id is the 404 whatever the body says.
        load(&st, &ws, flow, &id).await?;
        let body = read_json_object::<VerificationError>(req).await?;
        let mut c = Check::new();
        let reason = c.long_text(&body, "", "reason", true);
        c.finish()?;
        reason
    } else {
        None
    };
    let what = action.name();
    change(&st, &ws, flow, &id, what, |rec, now| {
        let current = status_of(rec)?;
        let held_from = rec.held_from.and_then(VerificationStatus::from_value);
        let next = match apply(action, current, held_from)? {
            Transition::Unchanged => return Ok(None),
            Transition::To(next) => next,
        };
        Ok(Some(Change {
            status: next.value(),
            held_from: (action == Action::Hold).then_some(current.value()),
            submitted_at: (next == VerificationStatus::Submitted).then_some(now),
            erase: false,
            statuses: (Some(current.value()), Some(next.value())),
            comment: reason.clone(),
        }))
    })
    .await
}

/// What a change does, decided on the verification as read.
struct Change {
    status: i64,
    held_from: Option<i64>,
    submitted_at: Option<i64>,
    erase: bool,
    /// The history row's `from_status` and `to_status`.
    statuses: (Option<i64>, Option<i64>),
    /// A comment written with the change.
    comment: Option<String>,
}

/// Loads the verification, asks `decide` what to change (`None`: nothing,
/// answer it as it is), and writes the change with its history row (`action`)
/// by the conditional update; when another request changed the verification
/// first, decides again on what it wrote. Answers 200 with the verification.
async fn change(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Flow,
    id: &str,
    action: &str,
    decide: impl Fn(&VerificationRecord, i64) -> Result<Option<Change>, Fail>,
) -> Result<Response, Fail> {
    for _ in 0..RETRIES {
        let rec = load(st, ws, flow, id).await?;
        let now = st.clock.now_ms();
        let Some(c) = decide(&rec, now)? else {
            return answer(StatusCode::OK, &wire(st, &rec, None)?);
        };
        let actor = &ws.token.id;
        let change = VerificationChange {
            id: rec.id.clone(),
            expected_version: rec.version,
            status: c.status,
            held_from: c.held_from,
            submitted_at: c.submitted_at,
            erase: c.erase,
            history: HistoryRecord {
                verification_id: rec.id.clone(),
                version: rec.version + 1,
                action: action.to_string(),
                actor: actor.clone(),
                from_status: c.statuses.0,
                to_status: c.statuses.1,
                created_at: now,
            },
            comment: c
                .comment
                .as_deref()
                .map(|text| new_comment(st, &rec.id, text, false, actor, now)),
        };
        if st.store.change_verification(&change).await? {
            let rec = load(st, ws, flow, id).await?;
            return answer(StatusCode::OK, &wire(st, &rec, None)?);
        }
    }
    Err(Fail::Internal(format!(
        "verification {id}: changed by other requests {RETRIES} times during one {action}"
    )))
}

/// `DELETE /api/v1/{flow}/verifications/{id}`: erases the personal data
/// (expected data, vendor fields, comments), keeps the status, the times and
/// the history with an `erase` row; erasing again changes nothing.
pub async fn erase(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    change(&st, &ws, flow, &id, "erase", |rec, _| {
        Ok(rec.erased_at.is_none().then_some(Change {
            status: rec.status,
            held_from: rec.held_from,
            submitted_at: None,
            erase: true,
            statuses: (None, None),
            comment: None,
        }))
    })
    .await
}

/// `POST /api/v1/{flow}/verifications/{id}/comments`: `{"body", "private"?}`,
/// 201 with the comment. An erased verification takes no comments (404, as
/// its comments are gone); any other status does, Canceled included (a
/// reviewer's note on a closed case).
pub async fn add_comment(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
    req: Request,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    let rec = load(&st, &ws, flow, &id).await?;
    if rec.erased_at.is_some() {
        return Err(not_found());
    }
    let body = read_json_object::<VerificationError>(req).await?;
    let mut c = Check::new();
    let text = c.long_text(&body, "", "body", true);
    let private = c.boolean(&body, "", "private").unwrap_or(false);
    c.finish()?;
    let text = text.unwrap_or_default();
    let record = new_comment(
        &st,
        &rec.id,
        &text,
        private,
        &ws.token.id,
        st.clock.now_ms(),
    );
    if !st.store.insert_comment(&record).await? {
        // Erased since it was loaded (or during the insert): as after.
        return Err(not_found());
    }
    Ok(data(
        StatusCode::CREATED,
        serde_json::to_value(comment(&st, &record)?)?,
    ))
}
