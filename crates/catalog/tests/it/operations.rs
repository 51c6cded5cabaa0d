//! The operations of the real catalogue and their link to the errors: what the
//! router, the OpenAPI document and the endpoint reference are built from.

use idv_catalog::Catalog;

#[test]
fn possession_operations_have_the_ids_other_crates_use() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    let ids: Vec<&str> = cat
        .operations_of("possession")
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
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
        ]
    );
}

#[test]
fn errors_link_to_the_operations_their_endpoints_name() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    let op = |id: &str| {
        cat.operations
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("operation {id}"))
    };
    let errors = |id: &str| -> Vec<String> {
        cat.errors_of_operation(op(id))
            .map(|e| e.id.clone())
            .collect()
    };
    assert!(errors("getIdentity").contains(&"identity_not_found".to_string()));
    assert!(errors("prefillValidate").contains(&"step_called_out_of_order".to_string()));
    assert!(!errors("prefillStart").contains(&"identity_not_found".to_string()));
    // The catch-all `* /{path}` entry answers paths that are no operation.
    for o in &cat.operations {
        assert!(
            !errors(&o.id).contains(&"unknown_path".to_string()),
            "{}",
            o.id
        );
    }
}

#[test]
fn the_token_operation_documents_http_basic() {
    let cat = Catalog::load(&crate::repo_root()).expect("loads");
    let token = cat
        .operations
        .iter()
        .find(|o| o.id == "token")
        .expect("token");
    assert!(token.description.contains("HTTP Basic"));
    let req = token.request.as_ref().expect("form body");
    assert_eq!(req.content_type, "application/x-www-form-urlencoded");
    for f in &req.fields {
        // With Basic, client_id and client_secret stay out of the form.
        assert_eq!(f.required, f.name == "grant_type", "{}", f.name);
    }
}
