//! Fuzzes message templates (`idv_core::template`): parsing, rendering and the
//! capture the client uses to take parameters back out of a message. The same
//! source file is compiled into idv-catalog to validate the catalogue's templates.
//!
//! Input: a template, a NUL byte, then a text to match against it.

#![no_main]

use idv_core::template::{self, Segment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let t = String::from_utf8_lossy(&data[..split]);
    let text = String::from_utf8_lossy(data.get(split + 1..).unwrap_or_default());

    let segs = template::parse(&t);
    // The segments put together give the template back.
    let rebuilt: String = segs
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.to_string(),
            Segment::Param(p) => format!("{{{p}}}"),
        })
        .collect();
    assert_eq!(rebuilt, t);
    let _ = template::params(&t);
    let rendered = template::render(&t, |p| p.to_uppercase());

    // A capture put back into the template gives the text it was taken from.
    for candidate in [text.as_ref(), rendered.as_str()] {
        if let Some(caps) = template::capture(&t, candidate) {
            let mut caps = caps.into_iter();
            let back: String = segs
                .iter()
                .map(|s| match s {
                    Segment::Literal(l) => l.to_string(),
                    Segment::Param(p) => {
                        let (name, value) = caps.next().expect("a capture per placeholder");
                        assert_eq!(name, *p);
                        value.to_string()
                    }
                })
                .collect();
            assert_eq!(back, candidate);
            assert!(caps.next().is_none(), "more captures than placeholders");
        }
    }
});
