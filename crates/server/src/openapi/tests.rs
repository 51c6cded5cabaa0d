//! Unit tests of the document builder on a small table of its own.

use super::*;
use idv_core::limits::headers::RETRY_AFTER;
use idv_core::operation::{AuthKind, Body, Field, FieldType, Method};
use idv_core::{ErrorId, Surface};

const FIELDS: &[Field] = &[
    Field {
        name: "phoneNumber",
        ty: FieldType::String,
        format: "e164",
        values: &[],
        pattern: "^\\+?[0-9]{10,15}$",
        max_length: 16,
        required: true,
        description: "The phone number.",
        example: "\"+12065550100\"",
        fields: &[],
    },
    Field {
        name: "emailAddresses",
        ty: FieldType::StringArray,
        format: "email",
        values: &[],
        pattern: "",
        max_length: 0,
        required: false,
        description: "Email addresses.",
        example: "[\"a@example.com\"]",
        fields: &[],
    },
    Field {
        name: "addresses",
        ty: FieldType::ObjectArray,
        format: "",
        values: &[],
        pattern: "",
        max_length: 0,
        required: false,
        description: "Postal addresses.",
        example: "",
        fields: &[Field {
            name: "city",
            ty: FieldType::String,
            format: "",
            values: &[],
            pattern: "",
            max_length: 0,
            required: true,
            description: "The city.",
            example: "\"Seattle\"",
            fields: &[],
        }],
    },
];

const OPS: &[Operation] = &[
    Operation {
        surface: Surface::Possession,
        id: "getThing",
        method: Method::Get,
        path: "/v3/thing/{thingId}",
        auth: AuthKind::AccessToken,
        idempotent: false,
        sandbox_only: false,
        summary: "Get a thing",
        description: "Returns the thing.",
        path_params: &[Field {
            name: "thingId",
            ty: FieldType::String,
            format: "uuid",
            values: &[],
            pattern: "",
            max_length: 0,
            required: true,
            description: "The thing's id.",
            example: "\"7d0c0b4e-3c2a-4f7e-9a51-0d2f6b8e4c11\"",
            fields: &[],
        }],
        request: None,
        status: 200,
        response: Body {
            content_type: "application/json",
            fields: FIELDS,
            example: "{\"phoneNumber\": \"+12065550100\"}",
        },
        errors: &[ErrorId::IdentityNotFound],
    },
    Operation {
        surface: Surface::Possession,
        id: "sandboxThing",
        method: Method::Post,
        path: "/sandbox/thing",
        auth: AuthKind::FlowAuthToken,
        idempotent: true,
        sandbox_only: true,
        summary: "Touch a thing",
        description: "",
        path_params: &[],
        request: Some(Body {
            content_type: "application/json",
            fields: FIELDS,
            example: "{\"phoneNumber\": \"+12065550100\"}",
        }),
        status: 200,
        response: Body {
            content_type: "application/json",
            fields: &[],
            example: "{}",
        },
        errors: &[],
    },
];

#[test]
fn a_table_row_becomes_an_operation_with_its_fields_security_and_errors() {
    let doc = build(&[(Surface::Possession, OPS)], "https://idv.example.com/");
    assert_eq!(doc["servers"][0]["url"], "https://idv.example.com");
    let get = &doc["paths"]["/v3/thing/{thingId}"]["get"];
    assert_eq!(get["operationId"], "getThing");
    assert_eq!(get["security"], json!([{"oauth2": []}]));
    assert_eq!(get["parameters"][0]["name"], "thingId");
    assert_eq!(get["parameters"][0]["schema"]["format"], "uuid");
    let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["phoneNumber"]));
    let phone = &schema["properties"]["phoneNumber"];
    assert_eq!(phone["maxLength"], 16);
    assert_eq!(phone["pattern"], "^\\+?[0-9]{10,15}$");
    assert_eq!(phone["examples"], json!(["+12065550100"]));
    assert_eq!(
        schema["properties"]["emailAddresses"]["items"]["format"],
        "email"
    );
    assert_eq!(
        schema["properties"]["addresses"]["items"]["properties"]["city"]["type"],
        "string"
    );
    let not_found = &get["responses"]["404"]["content"]["application/json"]["examples"];
    assert_eq!(
        not_found["identity_not_found"]["$ref"],
        "#/components/examples/identity_not_found"
    );
    assert!(get["responses"]["429"]["headers"][RETRY_AFTER].is_object());
    let example = &doc["components"]["examples"]["identity_not_found"];
    assert_eq!(example["value"]["code"], 8011);
    assert!(
        example["description"]
            .as_str()
            .unwrap()
            .ends_with("https://idv.example.com/docs/possession#identity_not_found")
    );

    let post = &doc["paths"]["/sandbox/thing"]["post"];
    assert_eq!(post["security"], json!([]));
    assert!(post["description"].as_str().unwrap().contains("authToken"));
    assert_eq!(
        post["parameters"][0]["$ref"],
        "#/components/parameters/Idempotency-Key"
    );
    assert!(post["responses"]["429"].is_object());
    assert!(post["requestBody"]["content"]["application/json"]["example"].is_object());
    // Only the scheme that is used.
    assert_eq!(
        doc["components"]["securitySchemes"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn every_example_of_the_possession_table_is_json() {
    fn check(at: &str, fields: &[Field]) {
        for f in fields {
            if !f.example.is_empty() {
                assert!(
                    serde_json::from_str::<Value>(f.example).is_ok(),
                    "{at}.{}: example {:?} is not JSON",
                    f.name,
                    f.example
                );
            }
            check(&format!("{at}.{}", f.name), f.fields);
        }
    }
    for op in idv_core::operations::POSSESSION {
        let bodies = op.request.iter().chain(std::iter::once(&op.response));
        for body in bodies {
            assert!(
                serde_json::from_str::<Value>(body.example).is_ok(),
                "{}: body example is not JSON",
                op.id
            );
            check(op.id, body.fields);
        }
        check(op.id, op.path_params);
    }
}
