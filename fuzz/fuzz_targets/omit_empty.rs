//! Fuzzes the omit-empty JSON convention (`idv_core::json::omit_empty`), applied to
//! every body idv sends: afterwards no object member anywhere is `null`, `[]` or
//! `{}`, applying it again changes nothing, and nothing else is touched.
//!
//! Input: JSON text.

#![no_main]

use idv_core::json::omit_empty;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// No member of any object under `v` is empty.
fn pruned(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().all(|c| !is_empty(c) && pruned(c)),
        Value::Array(a) => a.iter().all(pruned),
        _ => true,
    }
}

/// `after` is `before` with members removed only: scalars and array lengths kept.
fn only_removed(before: &Value, after: &Value) -> bool {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => a
            .iter()
            .all(|(k, av)| b.get(k).is_some_and(|bv| only_removed(bv, av))),
        (Value::Array(b), Value::Array(a)) => {
            b.len() == a.len() && b.iter().zip(a).all(|(x, y)| only_removed(x, y))
        }
        (b, a) => b == a,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(original) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mut v = original.clone();
    omit_empty(&mut v);
    assert!(pruned(&v), "{v}");
    assert!(only_removed(&original, &v), "{original} -> {v}");
    let mut twice = v.clone();
    omit_empty(&mut twice);
    assert_eq!(twice, v);
    // The serializer helpers agree with the in-place pass.
    assert_eq!(idv_core::json::to_value(&original).ok(), Some(v));
});
