//! `idv explain`: the catalogue, from the command line.
//!
//! A query is tried, in order, as a wire code, an id, an HTTP status, and then as
//! (words of) a wire message, title or description. Everything comes from the
//! tables generated into idv-core, so it works offline and reads no YAML.

use idv_core::{ErrorId, STATUSES, Surface};
use std::fmt::Write;

/// Where the reference is served, turning `docs/reference/PAGE.md#ANCHOR` into a URL.
#[derive(Debug, Clone, Default)]
pub struct DocsBase(Option<String>);

impl DocsBase {
    /// `base` is the root the reference pages are served under
    /// (`http://127.0.0.1:8080/docs`); a bare server address
    /// (`http://127.0.0.1:8080`) means its `/docs`, where `idv serve` serves them.
    pub fn new(base: Option<&str>) -> DocsBase {
        let Some(b) = base.map(str::trim).filter(|b| !b.is_empty()) else {
            return DocsBase(None);
        };
        let b = b.trim_end_matches('/');
        let after_scheme = b.split_once("://").map_or(b, |(_, rest)| rest);
        let root = if after_scheme.contains('/') {
            b.to_string()
        } else {
            format!("{b}/docs")
        };
        DocsBase(Some(root))
    }

    /// The full URL of `docs` (`docs/reference/possession.md#identity_not_found`),
    /// the page named without `.md`, if a base was given.
    fn url(&self, docs: &str) -> Option<String> {
        let root = self.0.as_ref()?;
        let (path, anchor) = docs.split_once('#').unwrap_or((docs, ""));
        let page = path.rsplit('/').next().unwrap_or(path);
        let page = page.strip_suffix(".md").unwrap_or(page);
        Some(if anchor.is_empty() {
            format!("{root}/{page}")
        } else {
            format!("{root}/{page}#{anchor}")
        })
    }
}

/// Looks `query` up as a wire code, an id, an HTTP status, or a wire message or
/// words of one; `Err` is the "unknown, did you mean" text.
pub fn explain(query: &str, docs: &DocsBase) -> Result<String, String> {
    let q = query.trim();
    let mut ids = ErrorId::with_code(q);
    if ids.is_empty()
        && let Some(id) = ErrorId::from_name(&q.to_ascii_lowercase())
    {
        ids.push(id);
    }
    if ids.is_empty()
        && let Ok(status) = q.parse::<u16>()
        && let Some(st) = STATUSES.iter().find(|s| s.status == status)
    {
        return Ok(status_text(st));
    }
    if !ids.is_empty() {
        let mut out = String::new();
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                out.push_str("\n---\n\n");
            }
            out.push_str(&entry(*id, docs));
        }
        return Ok(out);
    }
    // A single snake_case word is an id with a typo: suggest, do not search.
    let looks_like_id = q.contains('_') && !q.contains(char::is_whitespace);
    let ranked = if looks_like_id { Vec::new() } else { search(q) };
    if let Some((best, rest)) = ranked.split_first() {
        let mut out = entry(*best, docs);
        if !rest.is_empty() {
            out.push_str("\nOther matches:\n");
            for id in rest.iter().take(MAX_OTHERS) {
                out.push_str(&short_line(*id));
            }
            if rest.len() > MAX_OTHERS {
                let _ = writeln!(out, "  … and {} more", rest.len() - MAX_OTHERS);
            }
        }
        return Ok(out);
    }
    let mut msg = format!("idv explain: no error, code or status `{q}` in the catalogue,\n");
    msg.push_str("and no message, title or description matches its words.\n");
    let near = suggestions(q);
    if !near.is_empty() {
        let _ = writeln!(msg, "Closest known: {}", near.join(", "));
    }
    msg.push_str("Run `idv explain --list` to see them all.\n");
    Err(msg)
}

/// How many of the other matches are listed after the best one.
const MAX_OTHERS: usize = 10;

fn status_text(st: &idv_core::StatusMeta) -> String {
    let mut out = String::new();
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
    let errs = ErrorId::with_status(st.status);
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
    out
}

fn entry(id: ErrorId, docs: &DocsBase) -> String {
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
    let _ = writeln!(o, "  retry:       {}", retry_name(m.retry));
    let _ = writeln!(o, "  docs:        {}", m.docs);
    if let Some(url) = docs.url(m.docs) {
        let _ = writeln!(o, "  url:         {url}");
    }
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

/// The retry class as the reference spells it.
fn retry_name(r: idv_core::Retry) -> &'static str {
    match r {
        idv_core::Retry::Never => "never",
        idv_core::Retry::AfterFix => "after_fix",
        idv_core::Retry::AfterRetryAfter => "after_retry_after",
        idv_core::Retry::WithBackoff => "with_backoff",
    }
}

/// One line for a match that is not shown in full.
fn short_line(id: ErrorId) -> String {
    let m = id.meta();
    let code = m.code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    format!(
        "  {code:<7} {:<4} {:<13} {:<36} {}\n",
        m.status,
        m.surface.name(),
        m.name,
        m.title
    )
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

/// Words too common to say which error is meant; ignored unless the query has
/// nothing else.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "the", "this", "to", "was", "with",
];

/// Lower-case words of `text` (letters and digits; `{param}` placeholders dropped).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_param = false;
    let mut cur = String::new();
    for ch in text.chars() {
        match ch {
            '{' => in_param = true,
            '}' => in_param = false,
            _ if in_param => {}
            c if c.is_alphanumeric() => cur.extend(c.to_lowercase()),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether the query word `q` is one of `field`'s words: equal, or (for words
/// of four letters or more) the start of one, so `expire` finds `expired`.
fn has_word(field: &[String], q: &str) -> bool {
    field
        .iter()
        .any(|w| w == q || (q.chars().count() >= 4 && w.starts_with(q)))
}

/// Whether `q` is the wire message `template`, its `{param}` placeholders
/// standing for any text (case and trailing punctuation ignored).
fn is_message(template: &str, q: &str) -> bool {
    fn norm(s: &str) -> String {
        s.trim()
            .trim_end_matches(['.', '!'])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
    let t = norm(template);
    let q = norm(q);
    if words(&t).is_empty() {
        // A message that is all placeholder (`{mismatch}`) matches nothing.
        return false;
    }
    if !t.contains('{') {
        return t == q;
    }
    // The literal pieces between placeholders, in order; a placeholder matches
    // one or more characters.
    let mut pieces = Vec::new();
    let mut rest = t.as_str();
    while let Some(open) = rest.find('{') {
        pieces.push(&rest[..open]);
        rest = rest[open..].find('}').map_or("", |c| &rest[open + c + 1..]);
    }
    pieces.push(rest);
    let Some(mut tail) = q.strip_prefix(pieces[0]) else {
        return false;
    };
    let last = pieces.len() - 1;
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        if i == last {
            return tail.len() > piece.len() && tail.ends_with(piece);
        }
        // Skip at least one character for the placeholder.
        let Some(at) = tail.get(1..).and_then(|t| t.find(piece)) else {
            return false;
        };
        tail = &tail[1 + at + piece.len()..];
    }
    true
}

/// How well an entry matches a query, best highest: whether its wire message is
/// the query, then how many query words it has anywhere, in its title, in its
/// message and in its description.
type Score = (bool, usize, usize, usize, usize);

/// The entries whose wire message is `q` (first), then those whose title,
/// message or description holds at least half of its words, ranked by how many
/// words match, then by where (title before message before description).
fn search(q: &str) -> Vec<ErrorId> {
    let all = words(q);
    let content: Vec<String> = all
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    let qwords = if content.is_empty() { all } else { content };
    let mut scored: Vec<(Score, usize, ErrorId)> = Vec::new();
    for (order, id) in ErrorId::ALL.iter().enumerate() {
        let m = id.meta();
        let exact = is_message(m.message, q);
        let (title, message, description) =
            (words(m.title), words(m.message), words(m.description));
        let (mut any, mut t, mut ms, mut d) = (0, 0, 0, 0);
        for w in &qwords {
            let (in_t, in_m, in_d) = (
                has_word(&title, w),
                has_word(&message, w),
                has_word(&description, w),
            );
            any += usize::from(in_t || in_m || in_d);
            t += usize::from(in_t);
            ms += usize::from(in_m);
            d += usize::from(in_d);
        }
        if exact || (any > 0 && any * 2 >= qwords.len()) {
            scored.push(((exact, any, t, ms, d), order, *id));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, id)| id).collect()
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

/// The three known codes or ids closest to `q` by edit distance, comparing it
/// with every code, id and title (a title stands for its id).
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
        cands.push((
            distance(&q, &m.title.to_ascii_lowercase()),
            m.name.to_string(),
        ));
    }
    cands.sort();
    let mut seen = std::collections::HashSet::new();
    cands.retain(|c| seen.insert(c.1.clone()));
    let limit = (q.len() / 2).max(2);
    cands
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, s)| s)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_matches_its_filled_in_message() {
        assert!(is_message(
            "Additional information is required to source data for user: {inputs}",
            "additional information is required to source data for user: dob, ssn."
        ));
        assert!(!is_message(
            "Additional information is required to source data for user: {inputs}",
            "additional information is required to source data for user: "
        ));
        assert!(is_message("a {x} b {y} c", "a 1 b 2 c"));
        assert!(!is_message("{mismatch}", "rate limit"));
        assert!(!is_message("a {x} b {y} c", "a 1 b 2 d"));
        assert!(is_message(
            "correlation ID is expired or invalid",
            "Correlation ID is expired or invalid."
        ));
    }

    #[test]
    fn docs_urls_name_the_page_without_md() {
        let d = "docs/reference/possession.md#identity_not_found";
        let want = "http://127.0.0.1:8080/docs/possession#identity_not_found";
        for base in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/docs",
            "http://127.0.0.1:8080/docs/",
        ] {
            assert_eq!(DocsBase::new(Some(base)).url(d).as_deref(), Some(want));
        }
        assert_eq!(DocsBase::new(None).url(d), None);
        assert_eq!(DocsBase::new(Some("  ")).url(d), None);
    }
}
