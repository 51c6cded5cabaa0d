//! Writing successful answers: JSON bodies with the omit-empty convention,
//! bodies already serialized (cached error bodies, stored Idempotency-Key
//! responses), and pages of a list in the paginator shape the verification
//! surface's lists use ([`Page`], read from `?page=&per_page=` by [`PageQuery`]).

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A JSON response; the body is sent as given (callers apply omit-empty).
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes(status, body.to_string())
}

/// A response whose body is JSON text already serialized (a cached error body, or
/// a response stored for an Idempotency-Key).
pub fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A 200 JSON response with the omit-empty convention applied.
pub fn ok(mut body: Value) -> Response {
    idv_core::json::omit_empty(&mut body);
    json_response(StatusCode::OK, &body)
}

/// The page a list request asks for: `?page=` (from 1) and `?per_page=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    /// The page, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Whether the request gave `per_page` (then the links carry it too).
    pub per_page_given: bool,
}

/// A refused page query: the parameter and why, for the surface's own
/// "field invalid" error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQueryError {
    /// `page` or `per_page`.
    pub field: &'static str,
    /// Why, in the words of an error message.
    pub reason: String,
}

/// A query parameter that was given and is not blank.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl PageQuery {
    /// Reads `?page=` and `?per_page=` (absent or empty: page 1, `default`
    /// items); `per_page` may be at most `max`.
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
        default: u64,
        max: u64,
    ) -> Result<PageQuery, PageQueryError> {
        let page_n = match given(page) {
            None => 1,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| PageQueryError {
                    field: "page",
                    reason: "must be an integer of at least 1".into(),
                })?,
        };
        let (per_page, per_page_given) = match given(per_page) {
            None => (default, false),
            Some(v) => {
                let n = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| PageQueryError {
                        field: "per_page",
                        reason: format!("must be an integer between 1 and {max}"),
                    })?;
                (n, true)
            }
        };
        Ok(PageQuery {
            page: page_n,
            per_page,
            per_page_given,
        })
    }

    /// How many items come before this page (saturating: a page far past the
    /// end is simply empty).
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// A page of a list in the shape of the API framework's paginator (the
/// verification surface's lists): `data`, `links` and `meta`.
///
/// `data` is always sent, empty or not; absent links (`prev` on the first page,
/// `next` on the last) and `from` / `to` of an empty page are left out, as
/// every absent member is (omit-empty).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Links to the first, last, previous and next pages.
    pub links: PageLinks,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// `links` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageLinks {
    /// The first page.
    pub first: String,
    /// The last page.
    pub last: String,
    /// The previous page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// The next page, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `meta` of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageMeta {
    /// This page's number.
    pub current_page: u64,
    /// The position (from 1) of its first item, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<u64>,
    /// The number of the last page (1 for an empty list).
    pub last_page: u64,
    /// The list's URL without its query.
    pub path: String,
    /// Items per page.
    pub per_page: u64,
    /// The position of its last item, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<u64>,
    /// Items in the whole list.
    pub total: u64,
}

impl<T> Page<T> {
    /// The page `query` of a list of `total` items at `path` (the list's URL
    /// without its query), holding `data`.
    pub fn new(data: Vec<T>, query: &PageQuery, total: u64, path: &str) -> Page<T> {
        let per_page = query.per_page.max(1);
        let last_page = total.div_ceil(per_page).max(1);
        let link = |n: u64| {
            if query.per_page_given {
                format!("{path}?page={n}&per_page={per_page}")
            } else {
                format!("{path}?page={n}")
            }
        };
        let count = data.len() as u64;
        let from = (count > 0).then(|| query.offset() + 1);
        let to = (count > 0).then(|| query.offset() + count);
        Page {
            data,
            links: PageLinks {
                first: link(1),
                last: link(last_page),
                prev: (query.page > 1).then(|| link((query.page - 1).min(last_page))),
                next: (query.page < last_page).then(|| link(query.page + 1)),
            },
            meta: PageMeta {
                current_page: query.page,
                from,
                last_page,
                path: path.to_string(),
                per_page,
                to,
                total,
            },
        }
    }
}

impl<T: serde::Serialize> Page<T> {
    /// The body, omit-empty applied inside each item (and `data` kept even
    /// when empty).
    pub fn to_value(&self) -> serde_json::Result<Value> {
        let mut v = serde_json::to_value(self)?;
        if let Some(items) = v.get_mut("data").and_then(Value::as_array_mut) {
            items.iter_mut().for_each(idv_core::json::omit_empty);
        }
        Ok(v)
    }
}

#[cfg(test)]
#[path = "respond_tests.rs"]
mod tests;
