//! [`VerificationApi`], the handle `client.verification()` returns: one method
//! per route of the surface, each with the method and path of its row in
//! idv-core's operations table, the `{"data": …}` envelope unwrapped; and
//! [`Pages`], the walk over a paginated list.

use super::blacklist::{BlacklistEntry, NewBlacklistEntry};
use super::document::{Document, NewDecision, NewDocument};
use super::expected::{CreateVerification, NewComment};
use super::model::{Comment, Flow, Page, Verification};
use crate::client::{Body, Call, Client};
use crate::error::Error;
use crate::ops::verification as ops;
use idv_core::operation::Operation;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The verification surface's calls, from [`Client::verification`]. A borrowed
/// handle: free to make, so make one per use
/// (`client.verification().show(flow, id)`). Every call goes through the
/// client's one loop (pacing, retries by the catalogue's retry class, 429 waited
/// out per `Retry-After`) with the workspace API token of
/// [`ClientBuilder::api_token`](crate::ClientBuilder::api_token).
///
/// The surface takes no `Idempotency-Key`, so a call that may have taken
/// effect is resent after a 5xx or a timeout only when repeating it is
/// harmless: reads, [`cancel`](Self::cancel), [`approve`](Self::approve),
/// [`reject`](Self::reject) (a repeat answers the verification unchanged),
/// [`decide`](Self::decide) (a repeated decision is answered unchanged, not
/// recorded twice) and [`erase`](Self::erase). The others return such a failure to the caller,
/// who can [`show`](Self::show) the verification to see whether it happened.
#[derive(Debug, Clone, Copy)]
pub struct VerificationApi<'a> {
    client: &'a Client,
}

/// Which page of a list to read; `None` leaves the server's default (page 1,
/// 15 a page; at most 100 a page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// The page, from 1.
    pub page: Option<u64>,
    /// Items per page.
    pub per_page: Option<u64>,
}

impl ListQuery {
    /// Page `page` of `per_page` items.
    pub fn page(page: u64, per_page: u64) -> ListQuery {
        ListQuery {
            page: Some(page),
            per_page: Some(per_page),
        }
    }

    fn to_query(self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.page {
            parts.push(format!("page={p}"));
        }
        if let Some(p) = self.per_page {
            parts.push(format!("per_page={p}"));
        }
        parts.join("&")
    }
}

/// The success envelope of the surface.
#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

/// The answer of `DELETE /api/v1/address-blacklist/{id}`.
#[derive(Deserialize)]
struct Removed {
    id: String,
}

impl<'a> VerificationApi<'a> {
    pub(crate) fn new(client: &'a Client) -> VerificationApi<'a> {
        VerificationApi { client }
    }

    /// The client this handle calls through.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Sends `call` and unwraps `{"data": …}`.
    async fn data<T: DeserializeOwned>(&self, call: Result<Call, Error>) -> Result<T, Error> {
        let answer: Data<T> = self.client.inner.execute(call?).await?;
        Ok(answer.data)
    }

    /// `GET /api/v1/{flow}/verifications` (`listVerifications`): one page of the
    /// flow's verifications, newest first.
    pub async fn list(&self, flow: Flow, query: ListQuery) -> Result<Page<Verification>, Error> {
        self.page(Some(flow), query).await
    }

    /// `GET /api/v1/verifications` (`listAllVerifications`): one page of every
    /// flow's verifications, newest first.
    pub async fn list_all(&self, query: ListQuery) -> Result<Page<Verification>, Error> {
        self.page(None, query).await
    }

    async fn page(
        &self,
        flow: Option<Flow>,
        query: ListQuery,
    ) -> Result<Page<Verification>, Error> {
        let call = match flow {
            Some(f) => call(ops::LIST, &[("flow", f.path())], Body::None, true),
            None => call(ops::LIST_ALL, &[], Body::None, true),
        }
        .map(|mut c| {
            let q = query.to_query();
            if !q.is_empty() {
                c.path = Cow::Owned(format!("{}?{q}", c.path));
            }
            c
        });
        // The paginator is the body itself, not inside `data`.
        self.client.inner.execute(call?).await
    }

    /// Every page of a list, `per_page` items each (`None`: the server's 15),
    /// from page 1: of `flow`, or of every flow.
    pub fn pages(&self, flow: Option<Flow>, per_page: Option<u64>) -> Pages<'a> {
        Pages {
            api: *self,
            flow,
            per_page,
            next: Some(1),
        }
    }

    /// `POST /api/v1/{flow}/verifications` (`createVerification`): a new
    /// verification, Started. A body the server refuses is a 422 whose fields
    /// [`VerificationFailure::field_errors`](super::VerificationFailure::field_errors) lists.
    pub async fn create(
        &self,
        flow: Flow,
        req: &CreateVerification,
    ) -> Result<Verification, Error> {
        self.data(json(req).and_then(|b| call(ops::CREATE, &[("flow", flow.path())], b, false)))
            .await
    }

    /// `GET /api/v1/{flow}/verifications/{id}` (`showVerification`): with its
    /// documents, history (oldest first) and every comment (newest first).
    pub async fn show(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::SHOW, flow, id, Body::None, true)).await
    }

    /// `POST …/{id}/submit` (`submitVerification`): Started → Submitted.
    pub async fn submit(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::SUBMIT, flow, id, Body::None, false))
            .await
    }

    /// `POST …/{id}/cancel` (`cancelVerification`): → Canceled.
    pub async fn cancel(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::CANCEL, flow, id, Body::None, true)).await
    }

    /// `POST …/{id}/hold` (`holdVerification`): → Hold.
    pub async fn hold(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::HOLD, flow, id, Body::None, false)).await
    }

    /// `POST …/{id}/resume` (`resumeVerification`): Hold → the status the hold
    /// interrupted.
    pub async fn resume(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::RESUME, flow, id, Body::None, false))
            .await
    }

    /// `POST …/{id}/resubmit` (`resubmitVerification`): Rejected or Double
    /// Check → Started, for new documents.
    pub async fn resubmit(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::RESUBMIT, flow, id, Body::None, false))
            .await
    }

    /// `POST …/{id}/approve` (`approveVerification`): → Approved.
    pub async fn approve(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::APPROVE, flow, id, Body::None, true))
            .await
    }

    /// `POST …/{id}/reject` (`rejectVerification`): → Rejected; `reason` (at
    /// most 255 characters) is kept as a comment.
    pub async fn reject(&self, flow: Flow, id: &str, reason: &str) -> Result<Verification, Error> {
        #[derive(Serialize)]
        struct Reject<'r> {
            reason: &'r str,
        }
        let body = json(&Reject { reason });
        self.data(body.and_then(|b| on(ops::REJECT, flow, id, b, true)))
            .await
    }

    /// `DELETE /api/v1/{flow}/verifications/{id}` (`deleteVerification`):
    /// erases its personal data (expected data, your references, comments);
    /// the id, status, times and history stay, with an `erase` entry.
    pub async fn erase(&self, flow: Flow, id: &str) -> Result<Verification, Error> {
        self.data(on(ops::ERASE, flow, id, Body::None, true)).await
    }

    /// `POST …/{id}/comments` (`createVerificationComment`): a comment by this
    /// client's API token.
    pub async fn comment(&self, flow: Flow, id: &str, req: &NewComment) -> Result<Comment, Error> {
        self.data(json(req).and_then(|b| on(ops::COMMENT, flow, id, b, false)))
            .await
    }

    /// `POST /api/v1/{flow}/documents` (`createDocument`): uploads a document
    /// image to a Started verification, one per context (the 400 "already has a
    /// … document" for a second). An image the server cannot use (not base64,
    /// not a PNG or JPEG, too large) is a 422 on that member.
    pub async fn upload_document(&self, flow: Flow, req: &NewDocument) -> Result<Document, Error> {
        self.data(
            json(req).and_then(|b| call(ops::DOCUMENT_UPLOAD, &[("flow", flow.path())], b, false)),
        )
        .await
    }

    /// `GET /api/v1/{flow}/documents/{id}` (`showDocument`): with a signed
    /// `image_url` valid 5 minutes and its decisions, oldest first.
    pub async fn document(&self, flow: Flow, id: &str) -> Result<Document, Error> {
        self.data(on(ops::DOCUMENT, flow, id, Body::None, true))
            .await
    }

    /// `DELETE /api/v1/{flow}/documents/{id}` (`deleteDocument`): deletes a
    /// document of a Started verification with its images, so that another
    /// can be uploaded for its context; answers it as it was, without
    /// `image_url`.
    pub async fn delete_document(&self, flow: Flow, id: &str) -> Result<Document, Error> {
        self.data(on(ops::DOCUMENT_DELETE, flow, id, Body::None, false))
            .await
    }

    /// `POST /api/v1/{flow}/decisions` (`createDecision`): a manual decision on
    /// a document, answered with the document. Once every document of a
    /// submitted verification has one, the verification follows: all approved
    /// → Approved, any rejected → Rejected, otherwise Double Check.
    pub async fn decide(&self, flow: Flow, req: &NewDecision) -> Result<Document, Error> {
        self.data(json(req).and_then(|b| call(ops::DECIDE, &[("flow", flow.path())], b, true)))
            .await
    }

    /// `GET /api/v1/address-blacklist` (`listAddressBlacklist`): the
    /// workspace's entries, newest first.
    pub async fn blacklist(&self) -> Result<Vec<BlacklistEntry>, Error> {
        self.data(call(ops::BLACKLIST, &[], Body::None, true)).await
    }

    /// `POST /api/v1/address-blacklist` (`createAddressBlacklistEntry`).
    pub async fn add_to_blacklist(&self, req: &NewBlacklistEntry) -> Result<BlacklistEntry, Error> {
        self.data(json(req).and_then(|b| call(ops::BLACKLIST_ADD, &[], b, false)))
            .await
    }

    /// `DELETE /api/v1/address-blacklist/{id}` (`deleteAddressBlacklistEntry`):
    /// returns the removed entry's id.
    pub async fn remove_from_blacklist(&self, id: &str) -> Result<String, Error> {
        let removed: Removed = self
            .data(call(
                ops::BLACKLIST_REMOVE,
                &[("id", id)],
                Body::None,
                false,
            ))
            .await?;
        Ok(removed.id)
    }
}

/// A walk over the pages of a list, from [`VerificationApi::pages`]: each
/// [`next_page`](Pages::next_page) reads the next page by number (never the
/// server's `links`, which name the server's public URL) until the last one.
/// The list is newest first, so a verification created during the walk shifts
/// the later pages by one.
///
/// ```no_run
/// # async fn run(client: &idv_client::Client) -> Result<(), idv_client::Error> {
/// let mut pages = client.verification().pages(None, Some(100));
/// while let Some(page) = pages.next_page().await {
///     let page = page?;
///     println!("page {} of {}", page.meta.current_page, page.meta.last_page);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Pages<'a> {
    api: VerificationApi<'a>,
    flow: Option<Flow>,
    per_page: Option<u64>,
    next: Option<u64>,
}

impl Pages<'_> {
    /// The next page; `None` after the last one, or after an error (which is
    /// returned once).
    pub async fn next_page(&mut self) -> Option<Result<Page<Verification>, Error>> {
        let page = self.next.take()?;
        let query = ListQuery {
            page: Some(page),
            per_page: self.per_page,
        };
        let result = self.api.page(self.flow, query).await;
        if let Ok(p) = &result {
            self.next = (p.has_next() && !p.data.is_empty()).then_some(page + 1);
        }
        Some(result)
    }

    /// Every remaining item, page after page.
    pub async fn collect(mut self) -> Result<Vec<Verification>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?.data);
        }
        Ok(all)
    }
}

/// A call of `op` with its path parameters filled in.
fn call(
    op: &'static Operation,
    params: &[(&str, &str)],
    body: Body,
    repeatable: bool,
) -> Result<Call, Error> {
    Ok(Call {
        op,
        path: crate::ops::path(op, params)?,
        body,
        repeatable,
    })
}

/// A call of `op` on the verification `id` of `flow`.
fn on(
    op: &'static Operation,
    flow: Flow,
    id: &str,
    body: Body,
    repeatable: bool,
) -> Result<Call, Error> {
    call(op, &[("flow", flow.path()), ("id", id)], body, repeatable)
}

/// `body` as a JSON body.
fn json<B: Serialize>(body: &B) -> Result<Body, Error> {
    let text = idv_core::json::to_string(body)
        .map_err(|e| Error::Config(format!("cannot serialize the request: {e}")))?;
    Ok(Body::Json(text.into()))
}
