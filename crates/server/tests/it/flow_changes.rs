//! A flow change with side effects that fails part-way, on every backend
//! (SQLite always; PostgreSQL when `IDV_TEST_DATABASE_URL` is set): nothing of
//! it stays, and the store's next writes work. On SQLite the change is one
//! query of several statements on the one writing connection, which must not
//! be left inside the failed transaction.

use crate::harness::Db;
use idv_server::config::{Region, Tier};
use idv_server::provision::{ClientOptions, create_client};
use idv_server::store::{DeviceRecord, FlowRecord, IdentityRecord, SideEffect};

#[tokio::test]
async fn a_flow_change_whose_insert_fails_leaves_nothing_and_the_next_writes_work_on_every_backend()
{
    for db in Db::all("a_flow_change_whose_insert_fails_leaves_nothing") {
        let store = db.open().await;
        let name = db.name();
        let c = create_client(
            store.as_ref(),
            &ClientOptions::sandbox(Region::Us, Tier::Sandbox),
            100,
        )
        .await
        .unwrap();
        let flow = FlowRecord {
            correlation_id: uuid::Uuid::new_v4().to_string(),
            project_id: c.project_id.clone(),
            kind: "prefill".into(),
            state: "started".into(),
            version: 0,
            data: "{}".into(),
            auth_token_hash: "partway".into(),
            created_at: 100,
            expires_at: 1000,
        };
        store.insert_flow(&flow).await.unwrap();
        let identity = |id: &str| {
            SideEffect::Identity(IdentityRecord {
                identity_id: id.into(),
                project_id: c.project_id.clone(),
                correlation_id: flow.correlation_id.clone(),
                data: "{}".into(),
                created_at: 100,
            })
        };
        // The device names a project that does not exist: its insert, the
        // last statement before the commit, breaks the foreign key.
        let orphan = SideEffect::Device(DeviceRecord {
            device_id: "orphan".into(),
            project_id: "no-such-project".into(),
            phone_number: "+12001001695".into(),
            prove_id: "first".into(),
            created_at: 100,
            revoked_at: None,
        });
        let failed = store
            .update_flow(
                &flow.correlation_id,
                0,
                "done",
                "{\"failed\":true}",
                &[identity("first"), orphan],
            )
            .await;
        assert!(failed.is_err(), "{name}: the change must fail");
        let after = store.get_flow(&flow.correlation_id).await.unwrap().unwrap();
        assert_eq!(
            (after.version, after.state.as_str()),
            (0, "started"),
            "{name}"
        );
        assert_eq!(
            store.get_identity(&c.project_id, "first").await.unwrap(),
            None,
            "{name}: the identity of the failed change"
        );

        // The next changes commit, and are seen by every connection.
        assert!(
            store
                .update_flow(&flow.correlation_id, 0, "validated", "{}", &[])
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            store
                .update_flow(&flow.correlation_id, 1, "done", "{}", &[identity("second")])
                .await
                .unwrap(),
            "{name}"
        );
        let after = store.get_flow(&flow.correlation_id).await.unwrap().unwrap();
        assert_eq!((after.version, after.state.as_str()), (2, "done"), "{name}");
        assert!(
            store
                .get_identity(&c.project_id, "second")
                .await
                .unwrap()
                .is_some(),
            "{name}"
        );
        store.close().await;
        db.cleanup().await;
    }
}
