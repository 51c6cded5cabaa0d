//! A small lexer of Rust sources for the module rules: comments and literals
//! blanked, the rest cut into tokens with their line, and every path written in
//! a `use` or inline.

/// Blanks comments, string, byte-string and char literals (newlines kept, so line
/// numbers stay), leaving only code to scan.
pub(super) fn strip(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if at(i) == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if at(i) == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            continue;
        }
        if ident(at(i)) && (i == 0 || !ident(c[i - 1])) {
            // A raw string (r"", r#""#, br"", cr"") or a prefixed string (b"", c"").
            let mut j = i;
            if matches!(at(j), 'b' | 'c') {
                j += 1;
            }
            let raw = at(j) == 'r';
            if raw {
                j += 1;
            }
            let mut hashes = 0;
            while raw && at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if j > i && at(j) == '"' && (raw || j == i + 1) {
                let mut k = j + 1;
                loop {
                    if k >= c.len() {
                        break;
                    }
                    if !raw && c[k] == '\\' {
                        k += 2;
                        continue;
                    }
                    if c[k] == '"' && (0..hashes).all(|h| at(k + 1 + h) == '#') {
                        k += 1 + hashes;
                        break;
                    }
                    k += 1;
                }
                for &ch in &c[i..k.min(c.len())] {
                    blank(&mut out, ch);
                }
                i = k;
                continue;
            }
            while i < c.len() && ident(c[i]) {
                out.push(c[i]);
                i += 1;
            }
            continue;
        }
        if at(i) == '"' {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            for &ch in &c[i..(k + 1).min(c.len())] {
                blank(&mut out, ch);
            }
            i = k + 1;
            continue;
        }
        if at(i) == '\'' {
            // A char literal ('x', '\n', '\u{..}'); otherwise a lifetime, kept.
            let end = if at(i + 1) == '\\' {
                (i + 3..c.len()).find(|&k| c[k] == '\'')
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                for &ch in &c[i..=end] {
                    blank(&mut out, ch);
                }
                i = end + 1;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

#[derive(Debug)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) line: usize,
}

/// Identifiers, `::` and single punctuation characters, with their line.
pub(super) fn tokenize(code: &str) -> Vec<Token> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Token {
                text: c[start..i].iter().collect(),
                line,
            });
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A path written in the code.
pub(super) struct Written {
    /// Its segments (`crate`, `super`, `self`, identifiers; a trailing `*` for a glob).
    pub(super) segments: Vec<String>,
    /// The line of its last segment.
    pub(super) line: usize,
    /// For a path of a `use`: the first and last line of the statement.
    pub(super) statement: Option<(usize, usize)>,
}

/// Every path of every `use` (groups expanded) and every inline path that starts
/// with `crate`, `super` or `self`.
pub(super) fn paths(tokens: &[Token]) -> Vec<Written> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let after_colons = i > 0 && matches!(tokens[i - 1].text.as_str(), "::" | "$");
        if t.text == "use" && !after_colons && tokens.get(i + 1).is_some_and(|n| n.text != "<") {
            let start = i;
            let mut leaves = Vec::new();
            i = use_tree(tokens, i + 1, &mut Vec::new(), &mut leaves);
            let first = tokens[start].line;
            let last = tokens.get(i - 1).map_or(first, |t| t.line);
            for (segments, line) in leaves {
                out.push(Written {
                    segments,
                    line,
                    statement: Some((first, last)),
                });
            }
            continue;
        }
        if matches!(t.text.as_str(), "crate" | "super" | "self")
            && !after_colons
            && tokens.get(i + 1).is_some_and(|n| n.text == "::")
        {
            let mut segments = vec![t.text.clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|n| n.text == "::")
                && tokens.get(j + 1).is_some_and(|n| is_ident(&n.text))
            {
                segments.push(tokens[j + 1].text.clone());
                j += 2;
            }
            out.push(Written {
                segments,
                line: t.line,
                statement: None,
            });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Parses one use tree starting at `i` with `prefix` already read; pushes each
/// leaf path with its line and returns the index after the tree (at `,`, `}` or
/// `;`, the `;` consumed).
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    prefix: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let depth = prefix.len();
    let mut line = tokens.get(i).map_or(0, |t| t.line);
    if tokens.get(i).is_some_and(|t| t.text == "::") {
        i += 1; // `use ::std::..`
    }
    while let Some(t) = tokens.get(i) {
        match t.text.as_str() {
            "{" => {
                i += 1;
                loop {
                    match tokens.get(i).map(|t| t.text.as_str()) {
                        None => break,
                        Some("}") => {
                            i += 1;
                            break;
                        }
                        Some(",") => i += 1,
                        Some(_) => i = use_tree(tokens, i, prefix, leaves),
                    }
                }
                prefix.truncate(depth);
                return finish(tokens, i);
            }
            "*" => {
                prefix.push("*".into());
                leaves.push((prefix.clone(), t.line));
                prefix.truncate(depth);
                return finish(tokens, i + 1);
            }
            "::" => i += 1,
            "as" => {
                i += 2; // `as name`
            }
            "," | "}" | ";" => {
                if prefix.len() > depth {
                    leaves.push((prefix.clone(), line));
                }
                prefix.truncate(depth);
                return finish(tokens, i);
            }
            s if is_ident(s) => {
                prefix.push(s.to_string());
                line = t.line;
                i += 1;
            }
            _ => i += 1,
        }
    }
    prefix.truncate(depth);
    i
}

/// Consumes the `;` that ends a `use` statement, leaving `,` and `}` to the group.
fn finish(tokens: &[Token], i: usize) -> usize {
    match tokens.get(i).map(|t| t.text.as_str()) {
        Some(";") => i + 1,
        _ => i,
    }
}
