//! The only module that knows which YAML library idv uses.
//!
//! `serde_yaml` is unmaintained; a maintained fork with the same API (for example
//! `serde_norway` or `serde_yml`) replaces it by changing the `use` line below.
//! `yaml-rust2`'s event parser supplies the line and column of every node, which
//! serde does not carry, so that validation errors can point at `file:line:col`.

use serde::de::DeserializeOwned;
use serde_yaml as backend;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub col: usize,
}

/// Deserializes `src` into `T`; on failure returns the position (if the parser
/// knows it) and the parser's explanation.
pub(crate) fn from_str<T: DeserializeOwned>(src: &str) -> Result<T, (Pos, String)> {
    if let Some(refused) = odd_line_break(src) {
        return Err(refused);
    }
    backend::from_str(src).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos {
                line: l.line(),
                col: l.column(),
            })
            .unwrap_or(Pos { line: 1, col: 1 });
        let text = e.to_string();
        // serde_yaml appends " at line X column Y"; the caller prints the position itself.
        let text = match text.find(" at line ") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        (pos, text)
    })
}

/// The first line break other than LF or CRLF, which YAML parsers count as a new
/// line (a lone CR; the YAML 1.1 breaks NEL, LS and PS) while editors, `git` and
/// this crate's positions do not all agree, so a diagnostic after it would name a
/// line the author cannot find (found by the `catalog` fuzz target: 128 CRs put a
/// parse error on line 211 of a 117-line file). Its position counts LF lines.
fn odd_line_break(src: &str) -> Option<(Pos, String)> {
    let mut chars = src.char_indices().peekable();
    let (mut line, mut line_start) = (1, 0);
    while let Some((i, c)) = chars.next() {
        let name = match c {
            '\n' => {
                (line, line_start) = (line + 1, i + 1);
                continue;
            }
            '\r' if chars.peek().is_some_and(|(_, n)| *n == '\n') => continue,
            '\r' => "a carriage return (U+000D) not followed by a line feed",
            '\u{85}' => "a next-line character (U+0085)",
            '\u{2028}' => "a line separator (U+2028)",
            '\u{2029}' => "a paragraph separator (U+2029)",
            _ => continue,
        };
        let col = src[line_start..i].chars().count() + 1;
        return Some((
            Pos { line, col },
            format!("{name}, which YAML reads as a line break; end lines with LF only"),
        ));
    }
    None
}

/// Positions of every node of a YAML document, keyed by a dotted path such as
/// `errors.3.message` (sequence items are their 0-based index).
#[derive(Debug, Default, Clone)]
pub struct Positions {
    map: HashMap<String, Pos>,
}

impl Positions {
    /// Reads the positions of `src`. A document that does not parse yields an empty map
    /// (its parse error is reported by [`from_str`]).
    pub(crate) fn of(src: &str) -> Positions {
        let mut recv = Recorder::default();
        let mut parser = Parser::new_from_str(src);
        if parser.load(&mut recv, false).is_err() {
            return Positions::default();
        }
        Positions { map: recv.map }
    }

    /// The position of `path`, or of its nearest recorded ancestor.
    pub fn get(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.map.get(p) {
                return *pos;
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => return self.map.get("").copied().unwrap_or(Pos { line: 1, col: 1 }),
            }
        }
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    map: HashMap<String, Pos>,
}

impl Recorder {
    /// The path of the node that starts now, advancing the parent's state.
    fn next_path(&mut self, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, index }) => {
                let p = join(path, &index.to_string());
                *index += 1;
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    // This node is a key: remember it; it has no path of its own.
                    *key = Some(scalar.unwrap_or_default().to_string());
                    None
                }
            },
        }
    }
}

fn join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}.{seg}")
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = Pos {
            line: mark.line(),
            col: mark.col() + 1,
        };
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(p) = self.next_path(Some(&value)) {
                    self.map.entry(p).or_insert(pos);
                }
            }
            Event::Alias(_) => {
                self.next_path(Some(""));
            }
            Event::MappingStart(..) => {
                let p = self.next_path(None).unwrap_or_default();
                self.map.entry(p.clone()).or_insert(pos);
                self.stack.push(Frame::Map { path: p, key: None });
            }
            Event::SequenceStart(..) => {
                let p = self.next_path(None).unwrap_or_default();
                self.map.entry(p.clone()).or_insert(pos);
                self.stack.push(Frame::Seq { path: p, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_values() {
        let src = "surface: x\nerrors:\n  - id: a\n    message: \"hi {p}\"\n  - id: b\n";
        let p = Positions::of(src);
        assert_eq!(p.get("surface"), Pos { line: 1, col: 10 });
        assert_eq!(p.get("errors.0.message"), Pos { line: 4, col: 14 });
        assert_eq!(p.get("errors.1.id"), Pos { line: 5, col: 9 });
        // Unknown paths fall back to their nearest ancestor.
        assert_eq!(p.get("errors.1.params.x"), p.get("errors.1"));
    }
}
