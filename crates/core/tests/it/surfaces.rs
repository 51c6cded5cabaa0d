//! Snapshots of every example body, per surface, for review of wording changes.

use idv_core::{ErrorId, Surface};
use serde_json::Value;

#[test]
fn example_bodies() {
    for s in Surface::ALL {
        let mut out = serde_json::Map::new();
        for id in ErrorId::ALL.iter().filter(|id| id.meta().surface == *s) {
            let bodies: Vec<Value> = id
                .meta()
                .examples
                .iter()
                .map(|x| serde_json::from_str(x.body).expect("json"))
                .collect();
            out.insert(id.name().to_string(), Value::Array(bodies));
        }
        insta::assert_json_snapshot!(format!("examples_{}", s.name()), Value::Object(out));
    }
}

#[test]
fn limits_the_server_reads_match_the_seeds() {
    use idv_core::limits::*;
    assert_eq!(POSSESSION_RATE_LIMIT_PER_SECOND, 25);
    assert_eq!(POSSESSION_MAX_BODY_BYTES, 4096);
    assert_eq!(ACCESS_TOKEN_LIFETIME_SECONDS, 3600);
    assert_eq!(API_TOKEN_LIFETIME_SECONDS, 180 * 86_400);
    assert_eq!(CORRELATION_ID_LIFETIME_SECONDS, 15 * 60);
    assert_eq!(IMAGE_MAX_BYTES, 10 * 1024 * 1024);
    assert_eq!(headers::X_RATELIMIT_RESET, "X-RateLimit-Reset");
    assert_eq!(
        idv_core::outcomes::RiskLevel::from_score(601).wire(),
        "medium-high"
    );
    assert_eq!(
        idv_core::outcomes::RiskLevel::from_score(200)
            .recommendation()
            .wire(),
        "allow"
    );
}
