//! The shape of an API operation: one row of a surface's `OPERATIONS` table.
//!
//! The tables themselves are generated from `catalog/operations/<surface>.yaml`
//! into [`crate::generated::operations`]. The server builds its router, its
//! wrong-URL / wrong-method fallbacks and its OpenAPI document from them, the
//! client takes its paths from them, and `cargo xtask regen` writes the endpoint
//! reference from the same YAML: a route is written once.

use crate::{ErrorId, Surface};

/// An HTTP method an operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method as HTTP spells it (`POST`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Who may call an operation: which principal the edge must have found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// Anyone (the credentials, if any, are in the request itself, as at `POST /token`).
    Public,
    /// A Bearer access token from `POST /token` (OAuth2 client credentials).
    AccessToken,
    /// A flow's client auth token in the body (the sandbox stand-ins for the phone).
    FlowAuthToken,
    /// A Bearer personal access token `<id>|<secret>` of a workspace.
    PersonalAccessToken,
    /// A dashboard session cookie.
    Session,
    /// A raw API key in `Authorization`.
    ApiKey,
}

/// The JSON type of a request or response field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A string (see the field's `format`).
    String,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An object whose members are the field's `fields`.
    Object,
    /// An object of string to string.
    StringMap,
    /// An array of strings.
    StringArray,
    /// An array of objects whose members are the field's `fields`.
    ObjectArray,
}

/// One field of a request body, response body or path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The member name on the wire (`phoneNumber`).
    pub name: &'static str,
    /// Its JSON type.
    pub ty: FieldType,
    /// The format of a string: `uuid`, `e164`, `date`, `uri`, … (`""` when free text).
    pub format: &'static str,
    /// The values a string may take (`[]` when not an enumeration).
    pub values: &'static [&'static str],
    /// A regular expression a string matches (`""` when none).
    pub pattern: &'static str,
    /// The longest string accepted (0 when not limited).
    pub max_length: u32,
    /// Whether a request must carry it (for a response: whether it is always present).
    pub required: bool,
    /// What it holds, in a sentence or two.
    pub description: &'static str,
    /// An example value, as JSON text.
    pub example: &'static str,
    /// The members of an object, or of each object of an array.
    pub fields: &'static [Field],
}

/// A request or response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// Its media type (`application/json`).
    pub content_type: &'static str,
    /// Its members.
    pub fields: &'static [Field],
    /// A complete example, as JSON text (a form body is shown as JSON of its pairs).
    pub example: &'static str,
}

/// One operation of a surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The surface it belongs to.
    pub surface: Surface,
    /// The operation id, as OpenAPI and the SDK name it (`prefillStart`).
    pub id: &'static str,
    /// Its method.
    pub method: Method,
    /// Its path, path parameters in braces (`/v3/identity/{identityId}`).
    pub path: &'static str,
    /// Who may call it.
    pub auth: AuthKind,
    /// Whether it accepts an `Idempotency-Key` (operations that change state).
    pub idempotent: bool,
    /// Whether it exists only on a sandbox instance.
    pub sandbox_only: bool,
    /// One line.
    pub summary: &'static str,
    /// A paragraph.
    pub description: &'static str,
    /// Its path parameters.
    pub path_params: &'static [Field],
    /// Its request body, if it takes one.
    pub request: Option<Body>,
    /// The status of a successful answer (200, or 201 for a creation).
    pub status: u16,
    /// Its successful response body.
    pub response: Body,
    /// The catalogued errors it can answer, in catalogue order.
    pub errors: &'static [ErrorId],
}

impl Operation {
    /// The operation as the catalogue's `endpoints` lists spell it (`POST /v3/start`).
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

#[cfg(test)]
mod tests {
    use crate::operations::POSSESSION;
    use crate::{ErrorId, Surface};

    #[test]
    fn the_possession_table_is_generated_and_coherent() {
        let ids: Vec<&str> = POSSESSION.iter().map(|o| o.id).collect();
        for id in [
            "token",
            "prefillStart",
            "prefillValidate",
            "prefillChallenge",
            "prefillComplete",
            "unifyStart",
            "unifyStatus",
            "unifyBind",
            "revokeDevice",
            "getIdentity",
            "sandboxOtp",
            "sandboxInstantLink",
            "getOpenApi",
        ] {
            assert!(ids.contains(&id), "{id} is missing");
        }
        for op in POSSESSION {
            assert_eq!(op.surface, Surface::Possession);
            assert!(
                !op.summary.is_empty() && !op.description.is_empty(),
                "{}",
                op.id
            );
            for body in op.request.iter().chain([&op.response]) {
                let v: serde_json::Value = serde_json::from_str(body.example).expect("example");
                for f in body.fields.iter().filter(|f| f.required) {
                    assert!(
                        v.get(f.name).is_some(),
                        "{} example lacks {}",
                        op.id,
                        f.name
                    );
                }
            }
            // Every linked error names this operation among its endpoints.
            for e in op.errors {
                assert!(
                    e.meta().endpoints.contains(&op.endpoint().as_str()),
                    "{}",
                    op.id
                );
            }
        }
        let identity = POSSESSION
            .iter()
            .find(|o| o.id == "getIdentity")
            .expect("getIdentity");
        assert_eq!(identity.endpoint(), "GET /v3/identity/{identityId}");
        assert!(identity.errors.contains(&ErrorId::IdentityNotFound));
        assert_eq!(identity.path_params[0].name, "identityId");
        assert!(crate::operations::of(Surface::Possession).len() == POSSESSION.len());
    }
}
