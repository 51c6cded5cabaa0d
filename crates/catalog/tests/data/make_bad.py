"""Writes the bad catalogues under bad/: each is the base catalogue with one file
changed so that exactly one rule fails. Run from this directory; commit the output.
The expected diagnostics live in bad/<case>/expected.txt (IDV_BLESS=1 rewrites them)."""
import os, shutil

P = "errors/possession.yaml"
O = "operations/possession.yaml"
CASES = [
    ("yaml_syntax", P, "    status: 400\n    title: Malformed", "    status: [400\n    title: Malformed"),
    ("unknown_field", P, "    retry: after_fix\n", "    retyr: after_fix\n    retry: after_fix\n"),
    ("unknown_surface", "errors/verification.yaml", "surface: verification", "surface: verifikation"),
    ("duplicate_id", P, "  - id: rate_limit_exceeded", "  - id: malformed_request"),
    ("id_not_snake_case", P, "  - id: rate_limit_exceeded", "  - id: RateLimitExceeded"),
    ("duplicate_code", P, "    code: 8018", "    code: 8001"),
    ("code_on_codeless_surface", "errors/verification.yaml", "    status: 422", "    code: 1\n    status: 422"),
    ("signup_code_format", "errors/signup.yaml", "    code: OCE011", "    code: OC11"),
    ("retired_code_reused", P, "    code: 8018", "    code: 8004"),
    ("unknown_status", P, "    status: 400\n    title: Malformed", "    status: 409\n    title: Malformed"),
    ("status_not_an_error", P, "    status: 400\n    title: Malformed", "    status: 200\n    title: Malformed"),
    ("empty_resolution", P, "    resolution: Send valid JSON.", "    resolution: \"\""),
    ("no_causes", P, "    causes: [Invalid JSON.]", "    causes: []"),
    ("no_example", "errors/verification.yaml", "    examples:\n      - params: {field: verification}\n        body: {message: \"The verification field is required.\", errors: {verification: [\"The verification field is required.\"]}}\n", "    examples: []\n"),
    ("undeclared_param", P, "    message: \"malformed request: {reasons}\"", "    message: \"malformed request: {reasons} ({hint})\""),
    ("unused_param", P, "      reasons: {type: string, description: What is wrong.}", "      reasons: {type: string, description: What is wrong.}\n      hint: {type: string, description: Unused.}"),
    ("json_param_in_message", P, "      reasons: {type: string, description: What is wrong.}", "      reasons: {type: json, description: What is wrong.}"),
    ("adjacent_placeholders", P, "    message: \"malformed request: {reasons}\"", "    message: \"malformed request: {reasons}{more}\"\n    notes: x"),
    ("rate_limit_retry_class", P, "    retry: after_retry_after", "    retry: with_backoff"),
    ("rate_limit_without_retry_after", P, "    headers: [retry_after]\n    since", "    headers: []\n    since"),
    ("unknown_header", P, "    headers: [retry_after]\n    since", "    headers: [retry_after, x_nope]\n    since"),
    ("deprecated_without_replacement", P, "    retry: after_fix\n", "    retry: after_fix\n    deprecated: {replacement: no_such_error}\n"),
    ("example_message_differs", P, "        body: {code: 8001, message: \"malformed request: flowType: is required\"}", "        body: {code: 8001, message: \"malformed: flowType: is required\"}"),
    ("example_code_differs", P, "        body: {code: 8001, message:", "        body: {code: 8002, message:"),
    ("example_missing_param", P, "      - params: {reasons: \"flowType: is required\"}", "      - params: {}"),
    ("troubleshooting_unknown_error", "troubleshooting.yaml", "errors: [malformed_request]", "errors: [malformed_requests]"),
    ("troubleshooting_unknown_outcome", "troubleshooting.yaml", "rejection_reasons:name_mismatch", "rejection_reasons:nme_mismatch"),
    ("surface_unknown_status", "surfaces.yaml", "    statuses: [200, 400, 429]", "    statuses: [200, 400, 404, 429]"),
    ("duplicate_limit", "limits.yaml", "headers:\n", "  - id: rate_limit_per_second\n    value: 1\n    unit: requests\n    title: Again\n    description: Again.\n    source: test\nheaders:\n"),
    # Operations (operations/<surface>.yaml) and the error -> operation link.
    ("operations_unknown_field", O, "    summary: Start a flow", "    sumary: Start a flow"),
    ("operations_unknown_surface", O, "surface: possession", "surface: posession"),
    ("operation_id_not_camel_case", O, "  - id: prefillStart", "  - id: prefill_start"),
    ("duplicate_operation_id", O, "  - id: getIdentity", "  - id: prefillStart"),
    ("duplicate_endpoint", O, "    path: /token", "    path: /v3/start"),
    ("operation_path_without_slash", O, "    path: /token", "    path: token"),
    ("operation_empty_summary", O, "    summary: Get an identity", "    summary: \"\""),
    ("path_param_undeclared", O, "    path: /v3/identity/{identityId}", "    path: /v3/identity/{identityId}/{part}"),
    ("path_param_not_in_path", O, "    path: /v3/identity/{identityId}", "    path: /v3/identity/{id}"),
    ("get_with_body", O, "    path_params:", "    request:\n      fields: []\n      example: \"{}\"\n    path_params:"),
    ("operation_example_not_json", O, '{"flowType": "mobile", "phoneNumber": "2001001695"}', '{"flowType": "mobile", "phoneNumber": 2001001695'),
    ("operation_example_not_object", O, '{"identityId": "0d9c8b7a-6f5e-4d3c-8b2a-19f8e7d6c5b4"}', '["0d9c8b7a-6f5e-4d3c-8b2a-19f8e7d6c5b4"]'),
    ("operation_example_missing_required", O, '{"flowType": "mobile", "phoneNumber": "2001001695"}', '{"flowType": "mobile"}'),
    ("operation_example_nested_missing", O, '"individual": {"firstName": "Tod"}}', '"individual": {}}'),
    ("operation_example_undeclared_field", O, '{"access_token": "abc"}', '{"access_token": "abc", "scope": "all"}'),
    ("operation_example_wrong_type", O, '{"flowType": "mobile", "phoneNumber": "2001001695"}', '{"flowType": "mobile", "phoneNumber": "2001001695", "allowOTPRetry": "yes"}'),
    ("operation_example_not_in_values", O, '{"flowType": "mobile", "phoneNumber": "2001001695"}', '{"flowType": "laptop", "phoneNumber": "2001001695"}'),
    ("field_example_wrong_type", O, '          example: "2001001695"', '          example: 2001001695'),
    ("field_example_not_in_values", O, "          example: mobile", "          example: laptop"),
    ("field_example_too_long", O, "          example: https://e.com/x", "          example: https://example.com/verified"),
    ("field_duplicate_name", O, "        - name: allowOTPRetry", "        - name: flowType"),
    ("field_string_rules_on_boolean", O, "          type: boolean\n", "          type: boolean\n          max_length: 5\n"),
    ("field_members_on_string", O, "          example: https://e.com/x\n", "          example: https://e.com/x\n          fields:\n            - {name: host, type: string, description: Host., example: e.com}\n"),
    ("error_endpoint_unknown", P, "    retry: after_fix\n", "    retry: after_fix\n    endpoints: [\"* /{path}\", \"POST /v3/start\", \"POST /v3/strat\", \"GET /v3/identity/{id}\"]\n"),
]

here = os.path.dirname(os.path.abspath(__file__))
bad = os.path.join(here, "bad")
for name, rel, old, new in CASES:
    src = open(os.path.join(here, "base/catalog", rel)).read()
    assert old in src, (name, old)
    d = os.path.join(bad, name, "catalog", os.path.dirname(rel))
    os.makedirs(d, exist_ok=True)
    open(os.path.join(bad, name, "catalog", rel), "w").write(src.replace(old, new, 1))
print(len(CASES), "cases")
