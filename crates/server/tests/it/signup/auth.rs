//! The API key: raw in `Authorization`, per brand and environment, stored as a
//! digest, revocable at once; anything else is the catalogued 401.

use super::{brand, call};
use crate::harness::{Db, TestServer};
use idv_server::config::{Region, Tier};
use idv_server::signup::brands::{create_key, revoke_key};
use serde_json::json;

fn not_authenticated() -> serde_json::Value {
    json!({
        "name": "NotAuthenticated",
        "message": "Invalid or missing API key: send your brand's API key as the Authorization header value",
        "code": 401,
        "className": "not-authenticated",
        "data": {"errorCode": "IDV001"}
    })
}

#[tokio::test]
async fn only_a_live_key_of_this_environment_sent_raw_is_accepted() {
    let srv = TestServer::start().await;
    let k = brand(&srv, "non-hosted").await;
    let start = json!({"phone": "+12125550010"});
    let post = |key: Option<String>| {
        let srv = &srv;
        let start = start.clone();
        async move { call(srv, "POST", "/1-click", key.as_deref(), Some(start), &[]).await }
    };
    // The key works: the request reaches the handler (no sandbox user has this number).
    let ok = post(Some(k.api_key.clone())).await;
    assert_eq!(ok.body["data"]["errorCode"], "OCE004", "{}", ok.body);
    for bad in [
        None,
        Some(String::new()),
        Some(format!("Bearer {}", k.api_key)),
        Some(format!("{}x", k.api_key)),
        Some("sk_sandbox_0000".to_string()),
    ] {
        let r = post(bad.clone()).await;
        assert_eq!((r.status, &r.body), (401, &not_authenticated()), "{bad:?}");
        assert!(r.header("x-request-id").is_some());
    }

    // A second key of the brand works; revoked, it stops at once, the first still works.
    let now = idv_server::clock::unix_now();
    let second = create_key(srv.state.store.as_ref(), &k.brand.id, now)
        .await
        .unwrap();
    assert_eq!(post(Some(second.api_key.clone())).await.status, 404);
    revoke_key(srv.state.store.as_ref(), &second.key_id, now)
        .await
        .unwrap();
    assert_eq!(post(Some(second.api_key.clone())).await.status, 401);
    assert!(
        revoke_key(srv.state.store.as_ref(), &second.key_id, now)
            .await
            .is_err()
    );
    assert_eq!(post(Some(k.api_key.clone())).await.status, 404);

    // Only the digest is stored.
    let rec = srv
        .state
        .store
        .get_api_key_by_id(&k.key_id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(rec.key_digest, k.api_key);
    assert_eq!(
        rec.key_digest,
        idv_server::domain::secrets::hash(&k.api_key)
    );
    assert!(!format!("{rec:?}").contains(&rec.key_digest));
    srv.stop().await;

    // A sandbox key on a production server is refused like an unknown one.
    let db = Db::sqlite();
    let sandbox = TestServer::on(&db, Region::Us, Tier::Sandbox).await;
    let key = brand(&sandbox, "non-hosted").await.api_key;
    sandbox.stop().await;
    let production = TestServer::on(&db, Region::Us, Tier::Production).await;
    let r = call(
        &production,
        "POST",
        "/1-click",
        Some(&key),
        Some(start.clone()),
        &[],
    )
    .await;
    assert_eq!((r.status, &r.body), (401, &not_authenticated()));
    production.stop().await;
}

#[tokio::test]
async fn wrong_keys_spend_the_address_budget_and_then_get_the_429() {
    let srv = TestServer::start().await;
    let mut last = None;
    for i in 0..40 {
        let r = call(
            &srv,
            "GET",
            "/1-click/x",
            Some(&format!("sk_sandbox_guess{i}")),
            None,
            &[],
        )
        .await;
        if r.status == 429 {
            last = Some(r);
            break;
        }
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let r = last.expect("guessing keys from one address is refused before 40 tries");
    assert_eq!(r.body["error"], "Request blocked by firewall");
    assert!(r.header("retry-after").is_some());
    srv.stop().await;
}

#[tokio::test]
async fn brands_check_their_options() {
    let srv = TestServer::start().await;
    let store = srv.state.store.as_ref();
    let now = idv_server::clock::unix_now();
    let mut opts = idv_server::signup::brands::BrandOptions::sandbox(Tier::Sandbox);
    opts.integration = "sdk".into();
    let e = idv_server::signup::brands::create_brand(store, &opts, now)
        .await
        .unwrap_err();
    assert!(e.contains("hosted, semi-hosted, non-hosted"), "{e}");
    opts.integration = "Semi-Hosted".into();
    opts.add_ons = vec!["phone".into(), "sms".into()];
    let e = idv_server::signup::brands::create_brand(store, &opts, now)
        .await
        .unwrap_err();
    assert!(e.contains("unknown add-on \"sms\""), "{e}");
    opts.add_ons = vec!["phone".into(), "phone".into()];
    opts.redirect_url = Some("https://acme.example/done".into());
    let k = idv_server::signup::brands::create_brand(store, &opts, now)
        .await
        .unwrap();
    assert_eq!(k.brand.integration, "semi-hosted");
    assert_eq!(k.brand.add_ons, ["phone"]);
    assert_eq!(
        store.get_brand(&k.brand.id).await.unwrap().unwrap(),
        k.brand
    );
    assert!(create_key(store, "brd_nope", now).await.is_err());
    srv.stop().await;
}
