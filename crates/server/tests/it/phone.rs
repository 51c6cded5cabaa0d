//! Phone numbers at `/v3/start` as a caller sees them: the country of a number
//! decides the region that serves it (crates/server/data/regions.toml), a number of
//! a country no region serves gets 8010 saying so, and a number of the wrong
//! length for its country gets 8001 saying how long its numbers are.

use crate::harness::TestServer;
use serde_json::json;

#[tokio::test]
async fn numbers_no_region_serves_get_8010_and_wrong_lengths_8001() {
    let srv = TestServer::start().await;
    let token = srv.token_for("prefill").await;
    let start = |phone: &str| json!({"flowType": "mobile", "phoneNumber": phone});

    let jp = srv.post("/v3/start", &token, start("+81312345678")).await;
    assert_eq!(
        (jp.status, jp.body),
        (
            403,
            json!({"code": 8010, "message": "unauthorized for country: the number is from JP, which neither the US nor the EU region serves"})
        )
    );

    let short = srv.post("/v3/start", &token, start("+44791112")).await;
    assert_eq!(
        (short.status, short.body),
        (
            400,
            json!({"code": 8001, "message": "malformed request: phoneNumber: has the wrong length for a number of GB: 6 digits after +44, where 7 or 9 or 10 are possible"})
        )
    );

    // A valid British number is an EU one: this US instance refuses it as before.
    let gb = srv.post("/v3/start", &token, start("+447400123456")).await;
    assert_eq!(
        gb.body,
        json!({"code": 8010, "message": "unauthorized for country: the number's region is EU but this is the US endpoint"})
    );

    // Padding other than ASCII whitespace is not trimmed away.
    let padded = srv
        .post("/v3/start", &token, start("\u{3000}2001001695"))
        .await;
    assert_eq!(padded.body["code"], 8001, "{}", padded.body);
    srv.stop().await;
}
