//! Message templates: `"The verification already has a {type} document."`.
//!
//! This file has no dependencies beyond `std` on purpose: `idv-catalog` compiles the
//! same file (through `#[path]`) to validate templates at generation time, so the
//! generator and the runtime can never disagree about what a template means, and
//! `idv-catalog` still does not depend on `idv-core`.

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Text copied as is.
    Literal(&'a str),
    /// A `{name}` placeholder.
    Param(&'a str),
}

/// Splits a template into literals and `{name}` placeholders. A `{` that does not
/// open a well-formed `{snake_case}` placeholder is literal text.
///
/// Linear in the template's length: from each `{` only the characters a name may
/// contain are read (none of them a brace), so no character is read more than
/// twice. (A search for the next `}` from every `{` made `{{{…` quadratic: found by
/// the `template` fuzz target.)
pub fn parse(template: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut literal_start = 0usize;
    let mut from = 0usize;
    while let Some(found) = template[from..].find('{') {
        let open = from + found;
        let name_start = open + 1;
        // Every byte taken is ASCII, so `name_end` is a character boundary.
        let name_end = name_start
            + template.as_bytes()[name_start..]
                .iter()
                .take_while(|b| is_name_byte(**b))
                .count();
        let name = &template[name_start..name_end];
        if template.as_bytes().get(name_end) == Some(&b'}') && is_param_name(name) {
            if open > literal_start {
                out.push(Segment::Literal(&template[literal_start..open]));
            }
            out.push(Segment::Param(name));
            literal_start = name_end + 1;
            from = literal_start;
        } else {
            from = name_start;
        }
    }
    if literal_start < template.len() {
        out.push(Segment::Literal(&template[literal_start..]));
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

fn is_param_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The names of the placeholders of `template`, in order of appearance.
pub fn params(template: &str) -> Vec<&str> {
    parse(template)
        .into_iter()
        .filter_map(|s| match s {
            Segment::Param(p) => Some(p),
            Segment::Literal(_) => None,
        })
        .collect()
}

/// Renders `template`, asking `value` for the text of each placeholder.
pub fn render<'t>(template: &'t str, mut value: impl FnMut(&'t str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    for seg in parse(template) {
        match seg {
            Segment::Literal(l) => out.push_str(l),
            Segment::Param(p) => out.push_str(&value(p)),
        }
    }
    out
}

/// Matches `text` against `template` and returns the text captured by each
/// placeholder, or `None` when the text does not have the template's shape.
///
/// A placeholder before the template's last literal takes everything up to that
/// final suffix, so a value may contain the literal that ends the template (a
/// reason ending in a full stop, before the template's own `.`). Any other
/// placeholder captures up to the first occurrence of the literal after it:
/// when several splits fit, the shortest value wins.
pub fn capture<'t, 's>(template: &'t str, text: &'s str) -> Option<Vec<(&'t str, &'s str)>> {
    let segs = parse(template);
    let mut out = Vec::new();
    capture_from(&segs, text, &mut out).then_some(out)
}

/// A loop rather than a recursion, so a template with thousands of placeholders
/// cannot overflow the stack.
fn capture_from<'t, 's>(
    mut segs: &[Segment<'t>],
    mut text: &'s str,
    out: &mut Vec<(&'t str, &'s str)>,
) -> bool {
    loop {
        match segs {
            [] => return text.is_empty(),
            [Segment::Literal(l), rest @ ..] => match text.strip_prefix(*l) {
                Some(t) => (segs, text) = (rest, t),
                None => return false,
            },
            [Segment::Param(p)] => {
                out.push((*p, text));
                return true;
            }
            // The last literal of the template: the value is all that comes before it.
            [Segment::Param(p), Segment::Literal(last)] => {
                return match text.strip_suffix(*last) {
                    Some(value) => {
                        out.push((*p, value));
                        true
                    }
                    None => false,
                };
            }
            // `rest` starts with a placeholder, which takes any text in front of what
            // it matches: if the text after the first occurrence of `next` does not
            // match, the shorter text after a later one cannot either.
            [Segment::Param(p), Segment::Literal(next), rest @ ..] => match text.find(*next) {
                Some(at) => {
                    out.push((*p, &text[..at]));
                    (segs, text) = (rest, &text[at + next.len()..]);
                }
                None => return false,
            },
            // Two adjacent placeholders cannot be told apart; the catalogue forbids them.
            [Segment::Param(_), Segment::Param(_), ..] => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_renders_and_captures() {
        let t = "The verification already has a {type} document.";
        assert_eq!(params(t), vec!["type"]);
        assert_eq!(
            render(t, |_| "PHOTO_ID".into()),
            "The verification already has a PHOTO_ID document."
        );
        assert_eq!(
            capture(t, "The verification already has a PHOTO_ID document."),
            Some(vec![("type", "PHOTO_ID")])
        );
        assert_eq!(capture(t, "Something else."), None);
        // Braces that are not placeholders stay literal.
        assert_eq!(params("a {Not} b {} c {x"), Vec::<&str>::new());
        let t2 = "malformed request: {reasons}";
        assert_eq!(
            capture(t2, "malformed request: a; b"),
            Some(vec![("reasons", "a; b")])
        );
        assert_eq!(
            capture("{m}", "BirthDate mismatch."),
            Some(vec![("m", "BirthDate mismatch.")])
        );
    }

    /// Found by the `wire_roundtrip` fuzz target (fuzz/README.md): a value that
    /// contains the literal after its placeholder (here a reason with a full stop,
    /// before the template's final `.`) was cut at its first occurrence, so the
    /// client could not recognise a body the server had sent.
    #[test]
    fn a_value_may_contain_the_literal_that_follows_it() {
        let t = "The {field} field is invalid: {reason}.";
        let msg = "The country field is invalid: must be e.g. US or FR.";
        assert_eq!(
            capture(t, msg),
            Some(vec![
                ("field", "country"),
                ("reason", "must be e.g. US or FR")
            ])
        );
        // A first value that contains the middle literal: the shortest split wins.
        let t2 = "The {document_type} document type is not accepted for {country}.";
        let msg2 =
            "The odd document type is not accepted for document type is not accepted for FR.";
        assert_eq!(
            capture(t2, msg2),
            Some(vec![
                ("document_type", "odd"),
                ("country", "document type is not accepted for FR")
            ])
        );
        assert_eq!(
            capture(t, "The country field is invalid: no full stop"),
            None
        );
        assert_eq!(
            capture("{a}: {b}", "x: y: z"),
            Some(vec![("a", "x"), ("b", "y: z")])
        );
    }

    /// Found by the `template` fuzz target (fuzz/README.md): `parse` searched for a
    /// `}` from every `{`, so a template of n `{` took n² steps and the target only
    /// reached 1,500 executions a second. Now a million `{` parse in one pass, and a
    /// template of 50,000 placeholders renders and captures back (a capture that
    /// recursed once per placeholder would overflow the stack here).
    #[test]
    fn long_templates_parse_and_capture_in_one_pass() {
        let braces = "{".repeat(1_000_000);
        assert_eq!(parse(&braces), vec![Segment::Literal(&braces)]);
        let t = format!("{braces}{{x}}");
        assert_eq!(
            parse(&t),
            vec![Segment::Literal(&braces), Segment::Param("x")]
        );
        // Names that are never closed: all literal.
        let open_names = "{abc_1 ".repeat(200_000);
        assert_eq!(parse(&open_names), vec![Segment::Literal(&open_names)]);

        let many = "{v}, ".repeat(50_000);
        assert_eq!(params(&many).len(), 50_000);
        let rendered = render(&many, |_| "x".into());
        assert_eq!(rendered, "x, ".repeat(50_000));
        let caps = capture(&many, &rendered).expect("the rendered text matches");
        assert_eq!(caps.len(), 50_000);
        assert!(caps.iter().all(|(p, v)| *p == "v" && *v == "x"));
    }
}
