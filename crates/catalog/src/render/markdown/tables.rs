//! The reference pages that render a catalogue file as tables: troubleshooting,
//! outcomes and limits.

use super::{HEADER, cell};
use crate::Catalog;
use crate::model::*;
use std::fmt::Write;

fn link_error(cat: &Catalog, id: &str) -> String {
    match cat.error(id) {
        Some(e) => {
            let label = match &e.code {
                Some(c) => format!("{c} {}", e.title),
                None => format!("{} {}", e.status, e.title),
            };
            format!("[{label}]({}.md#{})", e.surface, e.id)
        }
        None => id.to_string(),
    }
}

pub(super) fn troubleshooting(cat: &Catalog) -> String {
    let refs = crate::validate::outcome_refs(&cat.outcomes);
    let mut o = String::from(HEADER);
    o.push_str("# Troubleshooting\n\nCommon issues, error scenarios, and solutions.\n\n");
    for sec in &cat.troubleshooting.sections {
        let _ = writeln!(o, "## {}\n", sec.title);
        for y in &sec.symptoms {
            let _ = writeln!(o, "<a id=\"{}\"></a>\n### {}\n", y.id, y.title);
            let _ = writeln!(o, "Symptom: {}\n", y.symptom.trim());
            if !y.causes.is_empty() {
                o.push_str("Causes:\n\n");
                for c in &y.causes {
                    let _ = writeln!(o, "- {}", c.trim());
                }
                o.push('\n');
            }
            if !y.solutions.is_empty() {
                o.push_str("Solutions:\n\n");
                for c in &y.solutions {
                    let _ = writeln!(o, "- {}", c.trim());
                }
                o.push('\n');
            }
            if !y.errors.is_empty() {
                let links: Vec<String> = y.errors.iter().map(|e| link_error(cat, e)).collect();
                let _ = writeln!(o, "Errors: {}\n", links.join(", "));
            }
            if !y.outcomes.is_empty() {
                let links: Vec<String> = y
                    .outcomes
                    .iter()
                    .map(|r| {
                        let kind = r.split(':').next().unwrap_or("");
                        let label = refs.get(r).cloned().unwrap_or_else(|| r.clone());
                        format!("[{label}](outcomes.md#{})", kind.replace('_', "-"))
                    })
                    .collect();
                let _ = writeln!(o, "Outcomes: {}\n", links.join(", "));
            }
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

fn value_table(o: &mut String, title: &str, list: &[ValueLabel]) {
    let _ = writeln!(
        o,
        "## {title}\n\n| Value | Label | Wire | Description |\n|---|---|---|---|"
    );
    for v in list {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            v.value,
            cell(&v.label),
            v.wire
                .as_deref()
                .map(|w| format!("`{w}`"))
                .unwrap_or_default(),
            cell(&v.description)
        );
    }
    o.push('\n');
}

pub(super) fn outcomes(cat: &Catalog) -> String {
    let x = &cat.outcomes;
    let mut o = String::from(HEADER);
    o.push_str("# Outcomes\n\nResults that are not HTTP errors: the statuses a verification, document or decision goes through, why documents are rejected, and the risk signals of 1-Click Signup.\n\n");
    value_table(&mut o, "Verification statuses", &x.verification_statuses);
    value_table(&mut o, "Document statuses", &x.document_statuses);
    value_table(&mut o, "Decision statuses", &x.decision_statuses);
    value_table(&mut o, "Context types", &x.context_types);
    o.push_str(
        "## Rejection reasons\n\n| Id | Issue | Description | Solution |\n|---|---|---|---|\n",
    );
    for r in &x.rejection_reasons {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} |",
            r.id,
            cell(&r.title),
            cell(&r.description),
            cell(&r.resolution)
        );
    }
    o.push_str(
        "\n## Risk levels\n\n| Level | Score | Recommendation | Description |\n|---|---|---|---|\n",
    );
    for r in &x.risk_levels {
        let _ = writeln!(
            o,
            "| `{}` | {}–{} | `{}` | {} |",
            r.level,
            r.min,
            r.max,
            r.recommendation,
            cell(&r.description)
        );
    }
    o.push_str("\n## Recommendations\n\n| Recommendation | Description |\n|---|---|\n");
    for r in &x.recommendations {
        let _ = writeln!(o, "| `{}` | {} |", r.recommendation, cell(&r.description));
    }
    o.push_str(
        "\n## Reason codes\n\n| Code | Group | Indicator | Description |\n|---|---|---|---|\n",
    );
    for r in &x.reason_codes {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} |",
            r.code,
            r.group,
            r.indicator,
            cell(&r.description)
        );
    }
    o.push_str("\n## Webhook events\n\n| Event | Code | When it fires |\n|---|---|---|\n");
    for w in &x.webhook_events {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} |",
            cell(&w.title),
            w.code,
            cell(&w.when)
        );
    }
    o
}

pub(super) fn limits(cat: &Catalog) -> String {
    let mut o = String::from(HEADER);
    o.push_str("# Limits, headers and conventions\n\nThe server reads every limit below from `idv_core::limits`, generated from the same file as this page.\n\n");
    o.push_str("## Limits\n\n| Limit | Value | Unit | Surface | Description | Source |\n|---|---|---|---|---|---|\n");
    for l in &cat.limits.limits {
        let v = match &l.value {
            LimitValue::One(v) => v.to_string(),
            LimitValue::List(v) => v
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let _ = writeln!(
            o,
            "| {} (`{}`) | {} | {} | {} | {} | {} |",
            cell(&l.title),
            l.id.to_ascii_uppercase(),
            v,
            l.unit,
            l.surface.as_deref().unwrap_or("all"),
            cell(&l.description),
            cell(&l.source)
        );
    }
    o.push_str("\n## Headers\n\n| Header | Description | Format |\n|---|---|---|\n");
    for h in &cat.limits.headers {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} |",
            h.name,
            cell(&h.description),
            cell(&h.format)
        );
    }
    o.push_str("\n## Conventions\n\n");
    for c in &cat.limits.conventions {
        let _ = writeln!(
            o,
            "<a id=\"{}\"></a>\n### {}\n\n{}\n",
            c.id,
            c.title,
            c.description.trim()
        );
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}
