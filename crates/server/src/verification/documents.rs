//! The documents of a verification: upload (`POST /api/v1/{flow}/documents`),
//! show with a signed `image_url` and its decisions, and delete; and what the
//! rest of the surface needs of them (the contexts present for a submit, the
//! documents of the detail view, the images erased with a verification).
//!
//! An upload is checked field by field (each image decoded from base64 and
//! checked as a real PNG or JPEG within the size and pixel limits by
//! `domain::image`), stored encrypted in the object store, and recorded with
//! the verification's version compared and bumped and an `upload` history row
//! (`DocumentStore::change_documents`): of concurrent uploads of one context,
//! one is written and the others find it there ("already has a … document").
//! The database holds only the object key, content type, dimensions and
//! SHA-256 of each image.

use super::decisions::wire_decision;
use super::fields::Check;
use super::flows::{Context, DocumentType, Flow, FlowConfig};
use super::model::{Document, DocumentId, VerificationId};
use super::status::{DocumentStatus, context_allowed, documents_editable};
use super::store::{
    ChangeOutcome, DocumentChange, DocumentOp, DocumentRecord, HistoryRecord, ImageRecord,
    VerificationRecord,
};
use super::verifications::{RETRIES, config_of, flow_of, load, status_of};
use super::{Fail, data, files};
use crate::app::AppState;
use crate::domain::country::Country;
use crate::domain::date::Timestamp;
use crate::domain::image::{self, ValidImage};
use crate::guard::auth::WorkspacePrincipal;
use crate::http::input::read_json_object;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use idv_core::VerificationError;
use idv_core::outcomes::ContextType;
use idv_core::outcomes::VerificationStatus;
use serde_json::{Map, Value};

/// Why a `verification` member was refused: not an id, or not one of a
/// verification of the caller's workspace (the same words either way).
pub const UNKNOWN_VERIFICATION: &str = "must be the id of a verification of this workspace";

/// A checked upload body (its images apart).
struct Upload {
    verification: VerificationId,
    context: ContextType,
    document_type: DocumentType,
    country: Option<Country>,
}

/// The checked images of an upload: the front (`document.image`) and the
/// back (`back_side_data`).
type Images = (ValidImage, Option<ValidImage>);

/// The image member `name` of `obj` (field `field`): base64 text decoded and
/// checked, or its catalogued 422 recorded.
fn image_member(
    c: &mut Check,
    obj: &Map<String, Value>,
    name: &str,
    field: &str,
    required: bool,
) -> Option<ValidImage> {
    match obj.get(name) {
        None | Some(Value::Null) => {
            if required {
                c.required(field);
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            if required {
                c.required(field);
            }
            None
        }
        Some(Value::String(s)) => match image::decode_base64(s) {
            Ok(img) => Some(img),
            Err(problem) => {
                c.push(files::image_error(problem, field));
                None
            }
        },
        Some(_) => {
            c.invalid(field, "must be a base64-encoded PNG or JPEG image");
            None
        }
    }
}

/// Reads an upload body: every shape problem a 422 under its member; a
/// context the flow does not take the 400 `Document type not allowed.`.
fn parse_upload(body: &Map<String, Value>, config: &FlowConfig) -> Result<(Upload, Images), Fail> {
    let mut c = Check::new();
    let verification = c.string(body, "", "verification", true).and_then(|s| {
        let id = VerificationId::parse(&s);
        if id.is_none() {
            c.invalid("verification", UNKNOWN_VERIFICATION);
        }
        id
    });
    let doc = c.object(body, "", "document", true);
    let empty = Map::new();
    let doc = doc.unwrap_or(&empty);
    let context = c.context(doc, "document", "context_type", !doc.is_empty());
    let type_name = c.string(doc, "document", "type", !doc.is_empty());
    let country = c.country(doc, "document", "country", false);
    let front = image_member(&mut c, doc, "image", "document.image", !doc.is_empty());
    let back = image_member(&mut c, body, "back_side_data", "back_side_data", false);
    if let Some(context) = context {
        // The member problems first; then a context the flow does not take.
        if c.has_errors() {
            return Err(match c.finish() {
                Err(invalid) => invalid.into(),
                Ok(()) => Fail::Internal("upload: errors recorded, none returned".into()),
            });
        }
        context_allowed(config, context)?;
    }
    let document_type = match (context, &type_name) {
        (Some(context), Some(name)) => {
            c.document_type("document.type", name, context, config, country)
        }
        _ => None,
    };
    c.finish()?;
    match (verification, context, document_type, front) {
        (Some(verification), Some(context), Some(document_type), Some(front)) => Ok((
            Upload {
                verification,
                context,
                document_type,
                country,
            },
            (front, back),
        )),
        // Each `None` recorded its error, so `finish` has returned it.
        _ => Err(Fail::Internal(
            "upload: a member missing without its error".into(),
        )),
    }
}

/// The verification named in an upload's body: an unknown or another
/// workspace's id is a 422 on `verification`; one of the other flow the 400.
async fn body_verification(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Flow,
    id: &VerificationId,
) -> Result<VerificationRecord, Fail> {
    load(st, ws, flow, id.as_str()).await.map_err(|e| match e {
        Fail::Api(VerificationError::ResourceNotFound { .. }) => {
            Fail::Invalid(vec![VerificationError::FieldInvalid {
                field: "verification".into(),
                reason: UNKNOWN_VERIFICATION.into(),
            }])
        }
        other => other,
    })
}

/// The status a stored document answers: a document of a canceled
/// verification is canceled (no decision can be made on it).
pub(super) fn effective_status(
    doc: &DocumentRecord,
    verification: VerificationStatus,
) -> Result<DocumentStatus, Fail> {
    let stored = DocumentStatus::from_value(doc.status)
        .ok_or_else(|| Fail::Internal(format!("document {}: stored status", doc.id)))?;
    Ok(if verification == VerificationStatus::Canceled {
        DocumentStatus::Canceled
    } else {
        stored
    })
}

/// The contexts of a verification's active (not canceled) documents.
pub(super) async fn present_contexts(
    st: &AppState,
    verification_id: &str,
) -> Result<Vec<ContextType>, Fail> {
    Ok(st
        .store
        .verification_documents(verification_id)
        .await?
        .iter()
        .filter(|d| d.status != DocumentStatus::Canceled.value())
        .filter_map(|d| Context::parse(&d.context_type).map(|c| c.0))
        .collect())
}

/// The wire form of a stored document; `with_image` adds its signed
/// `image_url` (the front image) and its decisions.
pub(super) async fn wire(
    st: &AppState,
    doc: &DocumentRecord,
    verification: VerificationStatus,
    with_image: bool,
) -> Result<Document, Fail> {
    let bad = |what: &str| Fail::Internal(format!("document {}: stored {what}", doc.id));
    let (image_url, decisions) = if with_image {
        let images = st.store.document_images(&doc.id).await?;
        let url = images
            .iter()
            .find(|i| i.side == "front")
            .map(|i| files::image_url(st, &i.object_key));
        let decisions = st
            .store
            .document_decisions(&doc.id)
            .await?
            .iter()
            .map(|d| wire_decision(st, d))
            .collect::<Result<Vec<_>, _>>()?;
        (url, decisions)
    } else {
        (None, Vec::new())
    };
    Ok(Document {
        id: DocumentId::parse(&doc.id).ok_or_else(|| bad("id"))?,
        verification: VerificationId::parse(&doc.verification_id)
            .ok_or_else(|| bad("verification"))?,
        context_type: Context::parse(&doc.context_type).ok_or_else(|| bad("context"))?,
        document_type: DocumentType::parse(&doc.document_type).ok_or_else(|| bad("type"))?,
        country: match &doc.country {
            Some(c) => Some(Country::parse(c).map_err(|_| bad("country"))?),
            None => None,
        },
        status: super::model::DocumentStatusPair(effective_status(doc, verification)?),
        image_url,
        extracted_data: None,
        validations: Vec::new(),
        decisions,
        created_at: Timestamp::from_unix_ms(doc.created_at),
    })
}

/// The documents of a verification for its detail view, oldest first.
pub(super) async fn of_verification(
    st: &AppState,
    rec: &VerificationRecord,
) -> Result<Vec<Document>, Fail> {
    let status = status_of(rec)?;
    let mut out = Vec::new();
    for d in st.store.verification_documents(&rec.id).await? {
        out.push(wire(st, &d, status, true).await?);
    }
    Ok(out)
}

/// The document `id` of the caller's workspace with its verification, which
/// must be of `flow`: 404 `Document not found.` for a malformed, unknown or
/// another workspace's id; 400 for the other flow.
pub(super) async fn load_document(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Flow,
    id: &str,
) -> Result<(DocumentRecord, VerificationRecord), Fail> {
    let not_found = || {
        Fail::Api(VerificationError::ResourceNotFound {
            resource: "Document".into(),
        })
    };
    let id = DocumentId::parse(id).ok_or_else(not_found)?;
    let doc = st
        .store
        .get_document(ws.workspace_id(), id.as_str())
        .await?
        .ok_or_else(not_found)?;
    let ver = load(st, ws, flow, &doc.verification_id).await?;
    Ok((doc, ver))
}

async fn delete_objects(st: &AppState, keys: &[String]) -> Result<(), Fail> {
    for k in keys {
        st.objects
            .delete(k)
            .await
            .map_err(|e| Fail::Internal(format!("object {k}: {e}")))?;
    }
    Ok(())
}

/// `POST /api/v1/{flow}/documents`: 201 with the new document, status
/// Uploaded.
pub async fn upload(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path(flow): Path<String>,
    req: Request,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    let config = config_of(&ws.workspace.id, &ws.workspace.flows, flow)?;
    let body = read_json_object::<VerificationError>(req).await?;
    // Decoding and checking two images of up to 10 MB is CPU work: off the
    // async workers.
    let (up, (front, back)) = tokio::task::spawn_blocking(move || parse_upload(&body, &config))
        .await
        .map_err(|e| Fail::Internal(format!("upload check: {e}")))??;
    let rec = body_verification(&st, &ws, flow, &up.verification).await?;
    documents_editable(status_of(&rec)?)?;
    let refuse_duplicate = || {
        Fail::Api(VerificationError::DuplicateDocumentType {
            r#type: up.context.wire().to_string(),
        })
    };
    if present_contexts(&st, &rec.id).await?.contains(&up.context) {
        return Err(refuse_duplicate());
    }
    let doc_id = DocumentId::generate().as_str().to_string();
    let mut images = Vec::new();
    for (side, img) in [("front", Some(front)), ("back", back)] {
        let Some(img) = img else { continue };
        let key = format!("{}/{}/{doc_id}/{side}", ws.workspace_id(), rec.id);
        let stored = files::store_image(&st, &key, img).await?;
        images.push(ImageRecord {
            side: side.into(),
            object_key: stored.object_key,
            content_type: stored.content_type.into(),
            width: i64::from(stored.width),
            height: i64::from(stored.height),
            sha256: stored.sha256,
        });
    }
    let keys: Vec<String> = images.iter().map(|i| i.object_key.clone()).collect();
    let outcome = record_upload(&st, &ws, flow, rec, &doc_id, &up, images).await;
    match outcome {
        Ok(Some((doc, status))) => {
            let wired = wire(&st, &doc, status, true).await?;
            Ok(data(StatusCode::CREATED, serde_json::to_value(wired)?))
        }
        Ok(None) => {
            delete_objects(&st, &keys).await?;
            Err(refuse_duplicate())
        }
        Err(e) => {
            // Nothing was recorded: the images go too.
            delete_objects(&st, &keys).await?;
            Err(e)
        }
    }
}

/// Records an uploaded document whose images are stored, deciding again on
/// the verification as it is when another change came first; `None` when the
/// verification already has a document of the context.
async fn record_upload(
    st: &AppState,
    ws: &WorkspacePrincipal,
    flow: Flow,
    mut rec: VerificationRecord,
    doc_id: &str,
    up: &Upload,
    images: Vec<ImageRecord>,
) -> Result<Option<(DocumentRecord, VerificationStatus)>, Fail> {
    for _ in 0..RETRIES {
        let now = st.clock.now_ms();
        let doc = DocumentRecord {
            id: doc_id.to_string(),
            verification_id: rec.id.clone(),
            workspace_id: ws.workspace_id().to_string(),
            context_type: up.context.wire().to_string(),
            document_type: up.document_type.name().to_string(),
            country: up.country.as_ref().map(|c| c.to_string()),
            status: DocumentStatus::Uploaded.value(),
            created_at: now,
            updated_at: now,
        };
        let change = DocumentChange {
            verification_id: rec.id.clone(),
            expected_version: rec.version,
            status: rec.status,
            history: HistoryRecord {
                verification_id: rec.id.clone(),
                version: rec.version + 1,
                action: "upload".into(),
                actor: ws.token.id.clone(),
                from_status: None,
                to_status: None,
                created_at: now,
            },
            op: DocumentOp::Insert(doc.clone(), images.clone()),
        };
        match st.store.change_documents(&change).await? {
            ChangeOutcome::Applied => return Ok(Some((doc, status_of(&rec)?))),
            ChangeOutcome::Duplicate => return Ok(None),
            ChangeOutcome::Stale => {}
        }
        rec = load(st, ws, flow, &rec.id).await?;
        documents_editable(status_of(&rec)?)?;
        if present_contexts(st, &rec.id).await?.contains(&up.context) {
            return Ok(None);
        }
    }
    Err(Fail::Internal(format!(
        "verification {}: changed by other requests {RETRIES} times during one upload",
        rec.id
    )))
}

/// `GET /api/v1/{flow}/documents/{id}`: with its signed `image_url` (valid
/// 5 minutes) and its decisions.
pub async fn show(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let (doc, ver) = load_document(&st, &ws, flow_of(&flow)?, &id).await?;
    let wired = wire(&st, &doc, status_of(&ver)?, true).await?;
    Ok(data(StatusCode::OK, serde_json::to_value(wired)?))
}

/// `DELETE /api/v1/{flow}/documents/{id}`: only while the verification is
/// Started; the document, its decisions and its images go; 200 with the
/// document as it was.
pub async fn delete(
    State(st): State<AppState>,
    ws: WorkspacePrincipal,
    Path((flow, id)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let flow = flow_of(&flow)?;
    for _ in 0..RETRIES {
        let (doc, ver) = load_document(&st, &ws, flow, &id).await?;
        let status = status_of(&ver)?;
        documents_editable(status)?;
        let keys: Vec<String> = st
            .store
            .document_images(&doc.id)
            .await?
            .into_iter()
            .map(|i| i.object_key)
            .collect();
        let now = st.clock.now_ms();
        let change = DocumentChange {
            verification_id: ver.id.clone(),
            expected_version: ver.version,
            status: ver.status,
            history: HistoryRecord {
                verification_id: ver.id.clone(),
                version: ver.version + 1,
                action: "delete_document".into(),
                actor: ws.token.id.clone(),
                from_status: None,
                to_status: None,
                created_at: now,
            },
            op: DocumentOp::Delete(doc.id.clone()),
        };
        if st.store.change_documents(&change).await? == ChangeOutcome::Applied {
            delete_objects(&st, &keys).await?;
            let wired = wire(&st, &doc, status, false).await?;
            return Ok(data(StatusCode::OK, serde_json::to_value(wired)?));
        }
    }
    Err(Fail::Internal(format!(
        "document {id}: its verification changed {RETRIES} times during one deletion"
    )))
}

/// Erases the images of a verification's documents (objects, then their
/// rows): part of `DELETE /api/v1/{flow}/verifications/{id}`.
pub(super) async fn erase_images(st: &AppState, verification_id: &str) -> Result<(), Fail> {
    let keys = st.store.verification_image_keys(verification_id).await?;
    delete_objects(st, &keys).await?;
    st.store.delete_verification_images(verification_id).await?;
    Ok(())
}
