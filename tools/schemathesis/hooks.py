"""schemathesis hooks for the idv campaign (loaded through schemathesis.toml).

Ten things a schema cannot say, each narrowed to exactly the cases it is about;
every other request and every other failure goes through untouched.

1. A fresh Idempotency-Key per request. The document's example key would otherwise be
   sent with every generated body, and the server rightly answers the second body
   with 422 idempotency_key_reused (the key was used with another request). Real
   clients (the SDK) send a new key per request; only keys the schema accepts are
   replaced, so negative cases (an empty, too long or non-ASCII key) still reach the
   server as generated.

2. Sandbox phone numbers. In the sandbox only the test users (docs/guides/sandbox.md)
   start a flow: a well-formed number that is not one is answered 400 with 8007 ("no
   test user found matching the phone number"), and a number whose length its country
   does not allow (libphonenumber's metadata: +20 takes 8 to 10 digits, +44 ...) or whose
   country code does not exist is answered 400 with 8001 naming only phoneNumber. The
   document says so in the field's description and `format: phone`; its pattern bounds
   the shape (10 digits, or + and 8 to 15 digits) but cannot carry a table of countries
   and lengths. A positive-data (ST202) failure is dropped only when the operation takes
   a phoneNumber and the answer is one of those two, so an empty string, a bad date or
   any other rejection of schema-valid data is still reported. The summary counts the
   dropped failures.

3. A desktop flow without finalTargetUrl. `/v3/start` with `flowType: desktop` and
   `/v3/unify` with `possessionType: desktop` need `finalTargetUrl` (the Instant Link
   leads there); the field's description says so, but the operations format
   (catalog/README.md) has no conditional requirement yet, so the document marks it
   optional. A positive-data (ST202) failure is dropped only when the request is a
   desktop flow without the field (or with it empty) and the 8001 names that and
   nothing else.

4. Two cross-field rules of the verification surface (/api/v1/...), which answers
   them with 422 and its Laravel-style body; both are stated in the operations'
   descriptions (catalog/operations/verification.yaml), but the operations format
   has no way to say them in the schema (no minProperties, no comparison of fields):
   `POST /api/v1/address-blacklist` needs at least one address component (the
   document lists all five as optional, so `{}` is schema-valid), and on
   `POST /api/v1/{flow}/verifications` the expected proof of address must be of
   another type than the photo ID and each type one the flow accepts. A
   positive-data (ST202) failure is dropped only when the body really breaks that
   rule (for the flow's types: the 422 says the type is not configured for the flow)
   and the 422 names that field alone.

5. State refusals of the verification surface. The API it reproduces answers a
   request that the verification's state or flow does not allow with 400, not 409
   (catalog/errors/verification.yaml: verification_canceled,
   verification_already_started, verification_document_exists,
   verification_invalid_transition, invalid_verification_flow); once the campaign
   has created a verification, schema-valid requests on it (approve a Started one,
   reach it through another flow's path, ...) meet them. A positive-data (ST202)
   failure on /api/v1/ is dropped only when the answer is 400 with one of those
   catalogued messages.

6. Control characters in the verification surface's text members. Every text member
   refuses control characters (only a comment body and a rejection reason allow line
   breaks and tabs), as docs/guides/verification.md says ("Request rules"); the
   operations format gives those fields a length but no character class, so the
   document lets schemathesis generate them. A positive-data (ST202) failure on
   /api/v1/ is dropped only when the answer is 422 and every field it names holds a
   control character (C0, DEL or C1) in the request and is refused for exactly that.

7. Flow-dependent requirements. `POST /api/v1/{flow}/verifications` requires
   `expected_data.documents.photo_id` (and its `type`) where the flow requires a photo
   ID, and the address and the proof of address where it requires one (usps1583):
   the field descriptions and docs/guides/verification.md say so, but the document
   is shared by every flow and marks them optional. A positive-data (ST202) failure
   is dropped only when every field the 422 names is one of those, absent from the
   request, and refused as "is required".

8. Empty optional members count as absent (docs/guides/verification.md: "an empty
   string or null counts as absent"), so an optional `documents.*.country` or
   `person.date_of_birth` sent as "" is accepted although its pattern does not match
   "". A negative-data (ST201) failure on `POST /api/v1/{flow}/verifications` is
   dropped only when the request holds "" in one of those members. Likewise a
   required text member sent as "" (a comment's `body`, a rejection's `reason`; the
   document gives them no minimum length) is refused as "is required", and
   `date_of_birth` must be a real date not after today (its description says so;
   the pattern only fixes the shape), and a `country` an ISO 3166-1 alpha-3 code (its
   description says so; the pattern only allows three letters). A 422 whose every field is refused for one of
   the reasons of cases 6 to 8 is dropped as ST202.

9. Erasing a verification keeps it readable. `DELETE /api/v1/{flow}/verifications/{id}`
   erases the personal data and keeps the id, status and history, and the
   operation's description says it can still be read; the stateful
   use_after_free check (ST301) expects a 404 afterwards. Dropped only for that
   operation's resource.
10. Documents and decisions depend on the store and the pixels. An uploaded image
   of the right base64 shape that is no real PNG or JPEG is refused (422 on
   `document.image` / `back_side_data`); a decision's `document` that names no
   document of the workspace is a 422 on `document`; submit before every required
   document is uploaded is a 422 on `documents` (docs/guides/verification.md); a
   decision `status` outside 1 to 4 (the field's description) is a 422 on `status`,
   because the catalogue's fields cannot yet carry an integer range into the schema.
   Each reason is dropped only on its field and operation, also inside a 422 that
   names several fields for several of the reasons above.
"""

import json
import os
import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = "Idempotency-Key"
VALID_KEY = re.compile(r"[!-~]{1,255}")
DESKTOP_REASON = "finalTargetUrl: is required when the flow is desktop"
# The 8001 reasons phone.rs gives for a number whose shape the pattern allows.
PHONE_REASON = re.compile(r"phoneNumber: (is not a phone number|has the wrong length for a number of)")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    key = headers.get(IDEMPOTENCY_KEY)
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        headers[IDEMPOTENCY_KEY] = str(uuid.uuid4())


def _reasons(body):
    return body.get("message", "").removeprefix("malformed request: ").split("; ")


ADDRESS_COMPONENTS = ("street", "city", "state", "postal_code", "country")
SAME_TYPES_FIELD = "expected_data.documents.proof_of_address.type"
SAME_TYPES_REASON = "The photo ID and proof of address document types must be different."
FLOW_TYPE = re.compile(
    r"The selected expected_data\.documents\.(photo_id|proof_of_address)\.type is not configured for this flow\."
)
# The catalogued messages of case 5 (catalog/errors/verification.yaml).
STATE_REFUSAL = re.compile(
    r"The verification is canceled\.|The verification has already started\."
    r"|The verification already has a [A-Z_]+ document\."
    r"|The verification cannot be [a-z]+ while it is [A-Za-z ]+\.|Invalid verification flow\."
)


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DATE_REASON = re.compile(r"The expected_data\.person\.date_of_birth field is invalid: must be (a valid date|a date before or equal to today)\.")
CONTROL_REASON = re.compile(r"The (.+) field is invalid: must not contain control characters\.")


def _member(body, dotted):
    """The value at `a.b.c` in the request body, or None."""
    for part in dotted.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def _control_characters(case, response):
    """Whether a 422 on the verification surface names only fields each refused for
    one of cases 6 to 8 (a control character, a flow-dependent or empty required
    member, a date of the right shape that is not a real one or is in the future)."""
    if response.status_code != 422 or not case.operation.path.startswith("/api/v1/"):
        return False
    if not isinstance(case.body, dict) and not case.operation.path.endswith("/submit"):
        return False
    try:
        errors = json.loads(response.text).get("errors") or {}
    except (ValueError, AttributeError):
        return False

    def refused(field, reasons):
        value = _member(case.body, field)
        if len(reasons) != 1:
            return False
        reason = reasons[0]
        m = CONTROL_REASON.fullmatch(reason)
        if m:
            return m.group(1) == field and isinstance(value, str) and CONTROL.search(value) is not None
        if reason == f"The {field} field is required.":
            # Empty counts as absent (case 8); a flow's own requirement (case 7).
            return value == "" or (field in FLOW_REQUIRED and value is None)
        if field.split(".")[-1] == "country":
            # A string that is no ISO 3166-1 alpha-3 code (the description says it
            # must be one; a pattern cannot list them).
            return (isinstance(value, str)
                    and reason == f"The {field} field is invalid: must be an ISO 3166-1 alpha-3 country code.")
        if field == "expected_data.person.date_of_birth":
            return isinstance(value, str) and DATE_REASON.fullmatch(reason) is not None
        flow_type = FLOW_TYPE.fullmatch(reason)
        if flow_type:
            # A document type the flow does not take (case 4), in a mixed answer.
            return flow_type.group(1) in field
        if field in ("document.image", "back_side_data"):
            # Base64 of the right shape that is no PNG or JPEG: the server decodes
            # every image (case 10); a schema cannot say "a real image".
            return reason == f"The {field} must be a PNG or JPEG image."
        if field == "document" and case.operation.path == "/api/v1/{flow}/decisions":
            # An id of the right shape that names no document of the workspace
            # (case 10): a decision's document is checked against the store.
            return reason == "The document field is invalid: must be the id of a document of this workspace."
        if field == SAME_TYPES_FIELD and reason == SAME_TYPES_REASON:
            # The same type for both documents (case 4), in a mixed answer.
            types = [_member(case.body, f"expected_data.documents.{k}.type")
                     for k in ("photo_id", "proof_of_address")]
            return all(isinstance(t, str) for t in types) and types[0].lower() == types[1].lower()
        if field == "status" and case.operation.path == "/api/v1/{flow}/decisions":
            # A decision status outside 1-4, which the description lists; the
            # catalogue's operation fields have no integer range to put in the schema.
            return value not in (1, 2, 3, 4) and reason.startswith("The status field is invalid: must be 1 ")
        if field == "documents" and case.operation.path.endswith("/submit"):
            # Submit before every required document is uploaded (case 10).
            return reason.startswith("The documents field is invalid: must include ")
        return False

    return bool(errors) and all(refused(k, v) for k, v in errors.items())


FLOW_REQUIRED = {
    "expected_data.address", "expected_data.address.street", "expected_data.address.city",
    "expected_data.address.postal_code", "expected_data.address.country",
    "expected_data.documents.photo_id", "expected_data.documents.photo_id.type",
    "expected_data.documents.proof_of_address", "expected_data.documents.proof_of_address.type",
}
EMPTY_AS_ABSENT = (
    "expected_data.documents.photo_id.country", "expected_data.documents.proof_of_address.country",
    "expected_data.person.date_of_birth",
)
ERASABLE = "/api/v1/{flow}/verifications/{id}"


def _flow_required(case, response):
    """Whether a 422 on creating a verification is case 7's requirement."""
    if (response.status_code != 422 or case.operation.path != "/api/v1/{flow}/verifications"
            or not isinstance(case.body, dict)):
        return False
    try:
        errors = json.loads(response.text).get("errors") or {}
    except (ValueError, AttributeError):
        return False
    return bool(errors) and all(
        k in FLOW_REQUIRED and v == [f"The {k} field is required."] and _member(case.body, k) in (None, "")
        for k, v in errors.items()
    )


def _state_refusal(case, response):
    """Whether a 400 on the verification surface is one of case 5's refusals."""
    if response.status_code != 400 or not case.operation.path.startswith("/api/v1/"):
        return False
    try:
        body = json.loads(response.text)
    except ValueError:
        return False
    return isinstance(body, dict) and STATE_REFUSAL.fullmatch(body.get("message", "")) is not None


def _verification_rule(case, response):
    """Whether a 422 to schema-valid data is one of the rules of case 4 above."""
    if response.status_code != 422 or not isinstance(case.body, dict):
        return False
    try:
        errors = json.loads(response.text).get("errors") or {}
    except (ValueError, AttributeError):
        return False
    path, method = case.operation.path, case.operation.method.upper()
    if method == "POST" and path == "/api/v1/address-blacklist":
        empty = not any(case.body.get(k) for k in ADDRESS_COMPONENTS)
        return empty and list(errors) == ["street"]
    if method == "POST" and path == "/api/v1/{flow}/verifications":
        docs = (case.body.get("expected_data") or {}).get("documents") or {}
        types = [(docs.get(k) or {}).get("type") for k in ("photo_id", "proof_of_address")]
        same = all(isinstance(t, str) for t in types) and types[0].lower() == types[1].lower()
        if same and errors == {SAME_TYPES_FIELD: [SAME_TYPES_REASON]}:
            return True
        return bool(errors) and all(
            len(v) == 1 and FLOW_TYPE.fullmatch(v[0]) and FLOW_TYPE.fullmatch(v[0]).group(1) in k
            for k, v in errors.items()
        )
    return False


def _explained(case, response):
    """Whether a 400 or 422 to schema-valid data is one of the cases 2 to 4 above."""
    if (_verification_rule(case, response) or _state_refusal(case, response)
            or _control_characters(case, response) or _flow_required(case, response)):
        return True
    if response.status_code != 400 or not isinstance(case.body, dict):
        return False
    try:
        body = json.loads(response.text)
    except ValueError:
        return False
    phone = "phoneNumber" in case.body
    if body.get("code") == 8007:
        return phone
    if body.get("code") != 8001:
        return False
    flow = case.body.get("flowType", case.body.get("possessionType"))
    desktop = flow == "desktop" and not case.body.get("finalTargetUrl")
    return all(
        (phone and PHONE_REASON.match(r)) or (desktop and r == DESKTOP_REASON)
        for r in _reasons(body)
    )


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep a failure unless it is one of the cases 2 to 9 described above."""
    code = getattr(failure, "code", None)
    if code == "ST201":
        explained = (case.operation.path == "/api/v1/{flow}/verifications"
                     and 200 <= response.status_code < 300 and isinstance(case.body, dict)
                     and any(_member(case.body, k) == "" for k in EMPTY_AS_ABSENT))
    elif code == "ST301":
        explained = case.operation.path == ERASABLE and response.status_code == 200
    else:
        explained = code == "ST202" and _explained(case, response)
    if not explained:
        return True
    log = os.environ.get("ST_DROPPED_LOG")
    if log:
        # One line per dropped failure, so run.py can say what was dropped.
        with open(log, "a") as f:
            f.write(f"{case.operation.label} -> {response.status_code} {response.text}\n")
    return False
