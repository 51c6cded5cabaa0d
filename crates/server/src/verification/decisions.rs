//! Manual decisions on documents: `POST /api/v1/{flow}/decisions`.
//!
//! The body is `status::parse_decision`'s (status 1–4, a `doc_…` id, optional
//! `validation_workflow` and `reason`); the document's new status is
//! `status::decide`'s and the verification follows through `status::cascade`
//! once every active document has a final decision. The decision, the
//! document's status, the verification's status and a `decision` history row
//! are written in one transaction on the verification's version: of
//! concurrent requests decided on one version, one is written and the others
//! decide again on what it wrote. A decision equal to the document's current
//! one is answered 200 with the document unchanged (no second decision row),
//! so 50 identical requests give one 201. A decision's reason is sealed with
//! the server key, bound to the decision.

use super::documents::{effective_status, load_document, wire};
use super::model::{Decision, DecisionId, DecisionStatusPair};
use super::status::{
    DecisionStatus, DocumentStatus, UNKNOWN_DOCUMENT, cascade, current_decision, decide,
    parse_decision,
};
use super::store::{ChangeOutcome, DecisionRecord, DocumentChange, DocumentOp, HistoryRecord};
use super::verifications::{RETRIES, flow_of, status_of};
use super::{Fail, data};
use crate::app::AppState;
use crate::domain::date::Timestamp;
use crate::guard::auth::WorkspacePrincipal;
use crate::http::input::read_json_object;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::VerificationError;

/// The workflow recorded when the request names none.
const MANUAL: &str = "Manual";

fn seal_context(document_id: &str, decision_id: &str) -> String {
    format!("document:{document_id}:decision:{decision_id}")
}

/// The wire form of a stored decision (its reason opened).
pub(super) fn wire_decision(st: &AppState, d: &DecisionRecord) -> Result<Decision, Fail> {
    let bad = |what: &str| Fail::Internal(format!("decision {}: stored {what}", d.id));
    let reason = match &d.reason {
        Some(sealed) => Some(
            String::from_utf8(
                st.key
                    .open(sealed, &seal_context(&d.document_id, &d.id))
                    .ok_or_else(|| bad("reason (does not open)"))?,
            )
            .map_err(|_| bad("reason"))?,
        ),
        None => None,
    };
    Ok(Decision {
        id: DecisionId::parse(&d.id).ok_or_else(|| bad("id"))?,
        status: DecisionStatusPair(
            DecisionStatus::from_value(d.status).ok_or_else(|| bad("status"))?,
        ),
        validation_workflow: d.validation_workflow.clone(),
        reason,
        created_at: Timestamp::from_unix_ms(d.created_at),
    })
}

/// The current decision a document's status stands for.
fn decision_of(status: DocumentStatus) -> DecisionStatus {
    match status {
        DocumentStatus::Approved => DecisionStatus::Approved,
        DocumentStatus::Rejected => DecisionStatus::Rejected,
        DocumentStatus::DoubleCheck => DecisionStatus::DoubleCheck,
        _ => DecisionStatus::Pending,
    }
}

/// `POST /api/v1/{flow}/decisions`: 201 with the decided document.
pub async fn create(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path(flow): Path<String>,
    req: Request,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    let body = read_json_object::<VerificationError>(req).await?;
    let request = parse_decision(&body)?;
    let unknown = || {
        Fail::Invalid(vec![VerificationError::FieldInvalid {
            field: "document".into(),
            reason: UNKNOWN_DOCUMENT.into(),
        }])
    };
    for _ in 0..RETRIES {
        let (doc, ver) = load_document(&st, &ws, flow, request.document.as_str())
            .await
            .map_err(|e| match e {
                Fail::Api(VerificationError::ResourceNotFound { .. }) => unknown(),
                other => other,
            })?;
        let ver_status = status_of(&ver)?;
        let doc_status = effective_status(&doc, ver_status)?;
        let history: Vec<DecisionStatus> = st
            .store
            .document_decisions(&doc.id)
            .await?
            .iter()
            .filter_map(|d| DecisionStatus::from_value(d.status))
            .collect();
        let next = decide(doc_status, &history, request.status, false)?;
        if request.status != DecisionStatus::Canceled
            && current_decision(&history) == request.status
        {
            // The same decision again: answered, not recorded twice.
            let wired = wire(&st, &doc, ver_status, true).await?;
            return Ok(data(StatusCode::OK, serde_json::to_value(wired)?));
        }
        // Every active document's current decision, this one's applied.
        let decisions: Vec<DecisionStatus> = st
            .store
            .verification_documents(&ver.id)
            .await?
            .iter()
            .filter_map(|d| {
                let s = if d.id == doc.id {
                    next
                } else {
                    DocumentStatus::from_value(d.status)?
                };
                (s != DocumentStatus::Canceled).then_some(decision_of(s))
            })
            .collect();
        let new_status = cascade(ver_status, &decisions, request.status);
        let now = st.clock.now_ms();
        let id = DecisionId::generate().as_str().to_string();
        let decision = DecisionRecord {
            reason: request
                .reason
                .as_deref()
                .map(|r| st.key.seal(r.as_bytes(), &seal_context(&doc.id, &id))),
            id,
            document_id: doc.id.clone(),
            status: request.status.value(),
            validation_workflow: request
                .validation_workflow
                .clone()
                .unwrap_or_else(|| MANUAL.into()),
            actor: ws.token.id.clone(),
            created_at: now,
        };
        let change = DocumentChange {
            verification_id: ver.id.clone(),
            expected_version: ver.version,
            status: new_status.unwrap_or(ver_status).value(),
            history: HistoryRecord {
                verification_id: ver.id.clone(),
                version: ver.version + 1,
                action: "decision".into(),
                actor: ws.token.id.clone(),
                from_status: new_status.map(|_| ver_status.value()),
                to_status: new_status.map(|s| s.value()),
                created_at: now,
            },
            op: DocumentOp::Decide {
                status: next.value(),
                decision,
            },
        };
        if st.store.change_documents(&change).await? == ChangeOutcome::Applied {
            let (doc, ver) = load_document(&st, &ws, flow, &doc.id).await?;
            let wired = wire(&st, &doc, status_of(&ver)?, true).await?;
            return Ok(data(StatusCode::CREATED, serde_json::to_value(wired)?));
        }
    }
    Err(Fail::Internal(format!(
        "document {}: its verification changed {RETRIES} times during one decision",
        request.document.as_str()
    )))
}
