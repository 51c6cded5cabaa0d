"""schemathesis hooks for the idv campaign (loaded through schemathesis.toml).

Three things a schema cannot say, each narrowed to exactly the cases it is about;
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


def _explained(case, response):
    """Whether a 400 to schema-valid data is one of the cases 2 and 3 above."""
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
    """Keep a failure unless it is one of the ST202 cases 2 and 3 described above."""
    if getattr(failure, "code", None) != "ST202" or not _explained(case, response):
        return True
    log = os.environ.get("ST_DROPPED_LOG")
    if log:
        # One line per dropped failure, so run.py can say what was dropped.
        with open(log, "a") as f:
            f.write(f"{case.operation.label} -> {response.status_code} {response.text}\n")
    return False
