//! Every code, status, header name and wire message of the three seed documents is
//! findable in `docs/reference/`. The tokens are listed in `tests/data/seed-tokens.txt`;
//! when the seeds themselves are beside the checkout (`../shared/seeds`), every code
//! pattern found in them is checked too.

use crate::root;

fn reference() -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(root().join("docs/reference")).expect("docs/reference") {
        all.push_str(&std::fs::read_to_string(e.expect("e").path()).unwrap_or_default());
    }
    all
}

#[test]
fn every_seed_token_is_in_the_reference() {
    let docs = reference();
    let tokens =
        std::fs::read_to_string(root().join("xtask/tests/data/seed-tokens.txt")).expect("tokens");
    let missing: Vec<&str> = tokens
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|t| !docs.contains(t))
        .collect();
    assert!(missing.is_empty(), "not in docs/reference: {missing:#?}");
}

#[test]
fn every_code_pattern_of_the_seeds_is_in_the_reference() {
    let dir = root().join("../shared/seeds");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        println!(
            "skipped: {} is not beside this checkout; seed-tokens.txt still covers the seeds",
            dir.display()
        );
        return;
    };
    let docs = reference();
    let mut missing = Vec::new();
    for e in rd {
        let text = std::fs::read_to_string(e.expect("e").path()).unwrap_or_default();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-') {
            let is_code = (word.len() == 4
                && word.starts_with('8')
                && word.chars().all(|c| c.is_ascii_digit()))
                || (word.len() == 6
                    && (word.starts_with("OCE") || word.starts_with("ERR"))
                    && word[3..].chars().all(|c| c.is_ascii_digit()))
                || (word.len() == 8
                    && word.starts_with("OCR")
                    && word[3..].chars().all(|c| c.is_ascii_digit()))
                || word.starts_with("X-RateLimit-");
            // The seed's flattened tables glue header names to the next cell ("X-RateLimit-LimitMaximum").
            let word = [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ]
            .into_iter()
            .find(|h| word.starts_with(h))
            .unwrap_or(word);
            if is_code && !docs.contains(word) {
                missing.push(word.to_string());
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "seed codes missing from docs/reference: {missing:?}"
    );
}
