//! The signup and firewall stores on every backend: brands and key digests,
//! revocation, and a client-side use that flags the key in the same
//! transaction as its event.

use crate::harness::Db;
use idv_server::config::Tier;
use idv_server::signup::brands::{BrandOptions, create_brand, create_key, revoke_key};
use idv_server::store::FirewallEvent;

fn event(id: &str, at: i64) -> FirewallEvent {
    FirewallEvent {
        id: id.into(),
        kind: "client_side".into(),
        key_id: None,
        brand_id: None,
        origin: Some("https://shop.example".into()),
        created_at: at,
    }
}

#[tokio::test]
async fn brands_keys_and_flags_on_every_backend() {
    for db in Db::all("brands_keys_and_flags_on_every_backend") {
        let store = db.open().await;
        let s = store.as_ref();
        assert_eq!(s.count_brands().await.unwrap(), 0, "{}", db.name());
        let k = create_brand(s, &BrandOptions::sandbox(Tier::Sandbox), 100)
            .await
            .unwrap();
        assert_eq!(s.count_brands().await.unwrap(), 1);
        assert_eq!(s.get_brand(&k.brand.id).await.unwrap().unwrap(), k.brand);
        let digest = idv_server::domain::secrets::hash(&k.api_key);
        let (key, brand) = s.get_api_key(&digest).await.unwrap().unwrap();
        assert_eq!(
            (key.key_id.as_str(), brand.id.as_str()),
            (k.key_id.as_str(), k.brand.id.as_str())
        );
        assert_eq!(brand.add_ons, ["reason-codes", "phone", "email"]);
        assert!(
            s.get_api_key(&idv_server::domain::secrets::hash("sk_sandbox_x"))
                .await
                .unwrap()
                .is_none()
        );

        // A use flags the key once (the first time is kept) and counts each.
        let f = s
            .record_client_side(&event("fwe_1", 200), Some(&digest))
            .await
            .unwrap();
        assert_eq!(
            f.as_ref().map(|f| f.key_id.as_str()),
            Some(k.key_id.as_str())
        );
        s.record_client_side(&event("fwe_2", 300), Some(&digest))
            .await
            .unwrap();
        assert!(
            s.record_client_side(&event("fwe_3", 400), Some("unknown"))
                .await
                .unwrap()
                .is_none()
        );
        s.record_client_side(&event("fwe_4", 500), None)
            .await
            .unwrap();
        let key = s.get_api_key_by_id(&k.key_id).await.unwrap().unwrap();
        assert_eq!((key.flagged_at, key.client_side_uses), (Some(200), 2));
        let events = s.firewall_events(10).await.unwrap();
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["fwe_4", "fwe_3", "fwe_2", "fwe_1"]);
        assert_eq!(events[3].brand_id.as_deref(), Some(k.brand.id.as_str()));
        assert_eq!(events[1].key_id, None);
        assert_eq!(s.firewall_events(1).await.unwrap().len(), 1);

        let other = create_key(s, &k.brand.id, 600).await.unwrap();
        revoke_key(s, &other.key_id, 700).await.unwrap();
        let revoked = s.get_api_key_by_id(&other.key_id).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(700));
        assert!(!s.revoke_api_key(&other.key_id, 800).await.unwrap());
        assert!(
            s.get_api_key_by_id(&k.key_id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );

        // 1-Click requests are found only through their brand.
        let req = idv_server::store::RequestRecord {
            uuid: "9d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5".into(),
            brand_id: k.brand.id.clone(),
            phone_hash: "h".into(),
            data: "sealed".into(),
            created_at: 900,
            expires_at: 4500,
        };
        s.insert_request(&req).await.unwrap();
        assert_eq!(
            s.get_request(&k.brand.id, &req.uuid).await.unwrap(),
            Some(req.clone())
        );
        assert_eq!(s.get_request("brd_other", &req.uuid).await.unwrap(), None);
        store.close().await;
        db.cleanup().await;
    }
}
