//! `idv explain`: the catalogue, from the command line.

use idv_core::{ErrorId, STATUSES, Surface};
use std::fmt::Write;

/// Looks `query` up as a wire code, an id or an HTTP status; `Err` is the
/// "unknown, did you mean" text.
pub fn explain(query: &str) -> Result<String, String> {
    let q = query.trim();
    let mut ids = ErrorId::with_code(q);
    if ids.is_empty()
        && let Some(id) = ErrorId::from_name(&q.to_ascii_lowercase())
    {
        ids.push(id);
    }
    let mut out = String::new();
    if ids.is_empty()
        && let Ok(status) = q.parse::<u16>()
        && let Some(st) = STATUSES.iter().find(|s| s.status == status)
    {
        let _ = writeln!(
            out,
            "HTTP {} {}\n\n{}\n",
            st.status, st.definition, st.description
        );
        if !st.causes.is_empty() {
            out.push_str("Causes:\n");
            for c in st.causes {
                let _ = writeln!(out, "  - {c}");
            }
        }
        if !st.resolution.is_empty() {
            let _ = writeln!(out, "\nResolution: {}", st.resolution);
        }
        let errs = ErrorId::with_status(status);
        if !errs.is_empty() {
            out.push_str("\nErrors with this status:\n");
            for id in errs {
                let m = id.meta();
                let code = m.code.map(|c| format!("{c} ")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<13} {code}{} ({})",
                    m.surface.name(),
                    m.title,
                    m.name
                );
            }
        }
        return Ok(out);
    }
    if ids.is_empty() {
        let mut msg = format!("idv explain: no error, code or status `{q}` in the catalogue.\n");
        let near = suggestions(q);
        if !near.is_empty() {
            let _ = writeln!(msg, "Closest known: {}", near.join(", "));
        }
        msg.push_str("Run `idv explain --list` to see them all.\n");
        return Err(msg);
    }
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        out.push_str(&entry(*id));
    }
    Ok(out)
}

fn entry(id: ErrorId) -> String {
    let m = id.meta();
    let mut o = String::new();
    let code = m.code.map(|c| format!("{c} ")).unwrap_or_default();
    let status = STATUSES
        .iter()
        .find(|s| s.status == m.status)
        .map(|s| s.definition)
        .unwrap_or("");
    let _ = writeln!(o, "{code}{}", m.title);
    let _ = writeln!(o, "  id:          {}", m.name);
    let _ = writeln!(o, "  surface:     {}", m.surface.name());
    let _ = writeln!(o, "  status:      {} {status}", m.status);
    let _ = writeln!(o, "  message:     {}", m.message);
    let _ = writeln!(o, "  retry:       {:?}", m.retry);
    let _ = writeln!(o, "  docs:        {}", m.docs);
    let _ = writeln!(o, "\n{}\n\nCauses:", m.description);
    for c in m.causes {
        let _ = writeln!(o, "  - {c}");
    }
    let _ = writeln!(o, "\nResolution: {}", m.resolution);
    if let Some(r) = m.deprecated {
        let _ = writeln!(o, "\nDeprecated: use {} instead.", r.name());
    }
    o
}

/// Every entry, one line each, grouped by surface.
pub fn list() -> String {
    let mut o = String::new();
    for s in Surface::ALL {
        let _ = writeln!(o, "{} ({})", s.name(), s.title());
        for id in ErrorId::ALL.iter().filter(|id| id.meta().surface == *s) {
            let m = id.meta();
            let code = m.code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(o, "  {code:<7} {:<4} {:<36} {}", m.status, m.name, m.title);
        }
    }
    o
}

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The three known codes or ids closest to `q`.
fn suggestions(q: &str) -> Vec<String> {
    let q = q.to_ascii_lowercase();
    let mut cands: Vec<(usize, String)> = Vec::new();
    for id in ErrorId::ALL {
        let m = id.meta();
        if let Some(c) = m.code {
            let c = c.to_string();
            cands.push((distance(&q, &c.to_ascii_lowercase()), c));
        }
        cands.push((distance(&q, m.name), m.name.to_string()));
    }
    cands.sort();
    cands.dedup_by(|a, b| a.1 == b.1);
    let limit = (q.len() / 2).max(2);
    cands
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, s)| s)
        .collect()
}
