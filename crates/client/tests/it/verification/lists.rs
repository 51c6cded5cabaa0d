//! Pagination across pages, per flow and across flows, and its 422.

use super::{client, identity, usps, workspace};
use crate::real::{RealServer, quick};
use idv_client::verification::*;
use std::collections::BTreeSet;

#[tokio::test]
async fn pages_are_walked_per_flow_and_across_flows() {
    let srv = RealServer::start().await;
    let ws = workspace(&srv).await;
    let c = client(&srv, &ws.token.token, quick());
    let api = c.verification();
    let mut usps_ids = BTreeSet::new();
    for i in 0..7 {
        let v = api
            .create(Flow::Usps1583, &usps(&format!("P{i}")))
            .await
            .expect("create");
        usps_ids.insert(v.id);
    }
    let mut all_ids = usps_ids.clone();
    for _ in 0..2 {
        all_ids.insert(
            api.create(Flow::Identity, &identity())
                .await
                .expect("create")
                .id,
        );
    }

    // usps1583, 3 a page: 3 + 3 + 1, newest first.
    let mut pages = api.pages(Some(Flow::Usps1583), Some(3));
    let (mut sizes, mut seen) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next_page().await {
        let page = page.expect("page");
        assert_eq!(
            (page.meta.total, page.meta.last_page, page.meta.per_page),
            (7, 3, 3)
        );
        assert_eq!(page.meta.current_page, sizes.len() as u64 + 1);
        sizes.push(page.data.len());
        seen.extend(page.data);
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert!(seen.iter().all(|v| v.flow == Flow::Usps1583));
    assert!(seen.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let ids: BTreeSet<String> = seen.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, usps_ids);

    // Every flow, 4 a page, collected: the 9 of them once each.
    let every = api.pages(None, Some(4)).collect().await.expect("collect");
    assert_eq!(every.len(), 9);
    let ids: BTreeSet<String> = every.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, all_ids);

    // One page by number; a page past the end is empty, with the totals.
    let second = api
        .list(Flow::Identity, ListQuery::page(2, 1))
        .await
        .expect("page 2");
    assert_eq!(second.data.len(), 1);
    assert!(!second.has_next() && second.links.prev.is_some());
    let past = api
        .list_all(ListQuery::page(9, 15))
        .await
        .expect("past the end");
    assert!(past.data.is_empty());
    assert_eq!(past.meta.total, 9);

    // A page size out of range is a 422 naming the parameter.
    let e = api
        .list_all(ListQuery {
            page: None,
            per_page: Some(1000),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    let fields = e.field_errors();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "per_page");
    assert!(matches!(
        &fields[0].error,
        Some(VerificationError::FieldInvalid { field, .. }) if field == "per_page"
    ));
}
