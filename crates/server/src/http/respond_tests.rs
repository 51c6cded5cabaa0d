//! Tests of the paginator envelope, against the framework paginator's shape
//! (`data`, `links{first,last,prev,next}`, `meta{current_page,from,last_page,
//! path,per_page,to,total}`, 15 per page by default).

use super::*;
use serde_json::json;

const PATH: &str = "https://idv.example/api/v1/usps1583/verifications";

fn q(page: Option<&str>, per_page: Option<&str>) -> Result<PageQuery, PageQueryError> {
    PageQuery::parse(page, per_page, 15, 100)
}

#[test]
fn a_middle_page() {
    let query = q(Some("2"), None).unwrap();
    let items: Vec<u64> = (16..=30).collect();
    let page = Page::new(items, &query, 40, PATH);
    let v = page.to_value().unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 15);
    assert_eq!(
        v["links"],
        json!({"first": format!("{PATH}?page=1"), "last": format!("{PATH}?page=3"), "prev": format!("{PATH}?page=1"), "next": format!("{PATH}?page=3")})
    );
    assert_eq!(
        v["meta"],
        json!({"current_page": 2, "from": 16, "last_page": 3, "path": PATH, "per_page": 15, "to": 30, "total": 40})
    );
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["data", "links", "meta"]);
}

#[test]
fn first_and_last_pages_and_an_empty_list() {
    let first = Page::new(vec![1, 2], &q(None, Some("2")).unwrap(), 3, PATH)
        .to_value()
        .unwrap();
    assert_eq!(
        first["links"],
        json!({"first": format!("{PATH}?page=1&per_page=2"), "last": format!("{PATH}?page=2&per_page=2"), "next": format!("{PATH}?page=2&per_page=2")})
    );
    let last = Page::new(vec![3], &q(Some("2"), Some("2")).unwrap(), 3, PATH)
        .to_value()
        .unwrap();
    assert_eq!(last["links"].get("next"), None);
    assert_eq!(
        (last["meta"]["from"].clone(), last["meta"]["to"].clone()),
        (json!(3), json!(3))
    );
    let empty = Page::<u64>::new(vec![], &q(None, None).unwrap(), 0, PATH)
        .to_value()
        .unwrap();
    assert_eq!(
        empty,
        json!({
            "data": [],
            "links": {"first": format!("{PATH}?page=1"), "last": format!("{PATH}?page=1")},
            "meta": {"current_page": 1, "last_page": 1, "path": PATH, "per_page": 15, "total": 0}
        })
    );
    // Past the end: an empty page whose prev points at the last real page.
    let past = Page::<u64>::new(vec![], &q(Some("9"), None).unwrap(), 20, PATH)
        .to_value()
        .unwrap();
    assert_eq!(past["links"]["prev"], format!("{PATH}?page=2"));
    assert_eq!(past["meta"]["current_page"], 9);
}

#[test]
fn items_are_sent_omit_empty() {
    let page = Page::new(
        vec![json!({"a": null, "b": [], "c": 1})],
        &q(None, None).unwrap(),
        1,
        PATH,
    );
    assert_eq!(page.to_value().unwrap()["data"], json!([{"c": 1}]));
}

#[test]
fn page_queries() {
    assert_eq!(
        q(None, None),
        Ok(PageQuery {
            page: 1,
            per_page: 15,
            per_page_given: false
        })
    );
    assert_eq!(
        q(Some(""), Some(" ")),
        Ok(PageQuery {
            page: 1,
            per_page: 15,
            per_page_given: false
        })
    );
    assert_eq!(
        q(Some("3"), Some("100")),
        Ok(PageQuery {
            page: 3,
            per_page: 100,
            per_page_given: true
        })
    );
    assert_eq!(q(Some("3"), None).unwrap().offset(), 30);
    assert_eq!(
        q(Some("18446744073709551615"), None).unwrap().offset(),
        u64::MAX
    );
    for bad in ["0", "-1", "abc", "1.5", "99999999999999999999"] {
        assert_eq!(
            q(Some(bad), None).unwrap_err(),
            PageQueryError {
                field: "page",
                reason: "must be an integer of at least 1".into()
            },
            "{bad}"
        );
    }
    for bad in ["0", "101", "x"] {
        assert_eq!(
            q(None, Some(bad)).unwrap_err(),
            PageQueryError {
                field: "per_page",
                reason: "must be an integer between 1 and 100".into()
            },
            "{bad}"
        );
    }
}
