//! Risk signals: the overall score with the level and recommendation the
//! catalogue's buckets give it (always), and the add-ons the brand has
//! (overall reason codes, phone signals, email signals).

use crate::signup::sandbox::Risk;
use idv_core::limits::RISK_BLOCK_SCORE_THRESHOLD;
use idv_core::outcomes::RiskLevel;
use serde_json::{Map, Value, json};

/// The `RiskSignals` object of `risk` for a brand with `add_ons`.
pub fn signals(risk: &Risk, add_ons: &[String]) -> Value {
    let has = |a: &str| add_ons.iter().any(|x| x == a);
    let level = RiskLevel::from_score(risk.score);
    let mut overall = Map::new();
    overall.insert("score".into(), json!(risk.score));
    overall.insert("level".into(), json!(level.wire()));
    overall.insert(
        "recommendation".into(),
        json!(level.recommendation().wire()),
    );
    if has("reason-codes") {
        overall.insert("reasonCodes".into(), json!(risk.overall));
    }
    let mut out = Map::new();
    out.insert("overall".into(), Value::Object(overall));
    if has("phone") {
        out.insert(
            "phone".into(),
            json!({"carrier": risk.carrier, "reasonCodes": risk.phone}),
        );
    }
    if has("email") {
        out.insert("email".into(), json!({"reasonCodes": risk.email}));
    }
    let mut v = Value::Object(out);
    idv_core::json::omit_empty(&mut v);
    v
}

/// Whether the score blocks 1-Click (above 600: OCE017).
pub fn blocks(risk: &Risk) -> bool {
    u64::from(risk.score) > RISK_BLOCK_SCORE_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(score: u32) -> Risk {
        Risk {
            score,
            overall: vec!["OCR10021".into()],
            carrier: json!({"id": 0, "name": "Example Carrier"}),
            phone: vec!["OCR20004".into()],
            email: vec![],
        }
    }

    #[test]
    fn levels_follow_the_buckets_and_add_ons_decide_what_shows() {
        let s = signals(&risk(500), &[]);
        assert_eq!(
            s,
            json!({"overall": {"score": 500, "level": "medium", "recommendation": "flag"}})
        );
        let s = signals(
            &risk(201),
            &["reason-codes".into(), "phone".into(), "email".into()],
        );
        assert_eq!(s["overall"]["level"], "medium-low");
        assert_eq!(s["overall"]["reasonCodes"], json!(["OCR10021"]));
        assert_eq!(s["phone"]["carrier"]["name"], "Example Carrier");
        assert!(s.get("email").is_none(), "no email reason codes: omitted");
        assert!(!blocks(&risk(600)) && blocks(&risk(601)));
        assert_eq!(
            signals(&risk(601), &[])["overall"]["recommendation"],
            "block"
        );
    }
}
