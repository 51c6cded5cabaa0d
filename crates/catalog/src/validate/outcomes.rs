//! Rules for `outcomes.yaml`, and the `kind:key` names troubleshooting may refer to.

use crate::model::*;
use crate::{Catalog, Diagnostic};
use std::collections::{BTreeMap, HashSet};

pub(super) fn outcomes(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let o = &cat.outcomes;
    let lists: [(&str, &Vec<ValueLabel>); 4] = [
        ("verification_statuses", &o.verification_statuses),
        ("document_statuses", &o.document_statuses),
        ("decision_statuses", &o.decision_statuses),
        ("context_types", &o.context_types),
    ];
    for (name, list) in lists {
        let mut seen = HashSet::new();
        for (i, v) in list.iter().enumerate() {
            if !seen.insert(v.value) {
                d.push(cat.diag_outcomes(
                    &format!("{name}.{i}.value"),
                    format!("{name} value {} is declared twice; keep one", v.value),
                ));
            }
        }
    }
    let mut prev_max: Option<u32> = None;
    for (i, r) in o.risk_levels.iter().enumerate() {
        if r.min > r.max || prev_max.is_some_and(|p| r.min != p + 1) {
            d.push(cat.diag_outcomes(
                &format!("risk_levels.{i}.min"),
                "risk level buckets must be contiguous and ascending; fix min/max",
            ));
        }
        if !o
            .recommendations
            .iter()
            .any(|x| x.recommendation == r.recommendation)
        {
            d.push(cat.diag_outcomes(
                &format!("risk_levels.{i}.recommendation"),
                format!(
                    "unknown recommendation `{}`; declare it under recommendations",
                    r.recommendation
                ),
            ));
        }
        prev_max = Some(r.max);
    }
    let mut seen = HashSet::new();
    for (i, r) in o.reason_codes.iter().enumerate() {
        let ok = r.code.len() == 8
            && r.code.starts_with("OCR")
            && r.code[3..].chars().all(|c| c.is_ascii_digit());
        if !ok || !seen.insert(r.code.as_str()) {
            d.push(cat.diag_outcomes(
                &format!("reason_codes.{i}.code"),
                format!(
                    "reason code `{}` must be unique and look like OCR12345",
                    r.code
                ),
            ));
        }
        if !["risk", "trust", "neutral"].contains(&r.indicator.as_str()) {
            d.push(cat.diag_outcomes(
                &format!("reason_codes.{i}.indicator"),
                "indicator must be risk, trust or neutral",
            ));
        }
    }
}

/// The outcome keys that troubleshooting refs may name, as `kind:key`.
pub fn outcome_refs(o: &Outcomes) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (kind, list) in [
        ("verification_statuses", &o.verification_statuses),
        ("document_statuses", &o.document_statuses),
        ("decision_statuses", &o.decision_statuses),
        ("context_types", &o.context_types),
    ] {
        for v in list {
            m.insert(format!("{kind}:{}", v.value), v.label.clone());
        }
    }
    for r in &o.rejection_reasons {
        m.insert(format!("rejection_reasons:{}", r.id), r.title.clone());
    }
    for r in &o.risk_levels {
        m.insert(format!("risk_levels:{}", r.level), r.level.clone());
    }
    for r in &o.recommendations {
        m.insert(
            format!("recommendations:{}", r.recommendation),
            r.recommendation.clone(),
        );
    }
    for r in &o.reason_codes {
        m.insert(format!("reason_codes:{}", r.code), r.code.clone());
    }
    for r in &o.webhook_events {
        m.insert(format!("webhook_events:{}", r.code), r.code.clone());
    }
    m
}
