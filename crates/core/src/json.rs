//! The JSON convention of every idv response: optional fields with no value,
//! empty objects and empty arrays are omitted (seed 000, "API conventions").

use serde::Serialize;
use serde_json::Value;

/// Removes, recursively, every object member that is `null`, `[]` or `{}`
/// (after its own members were pruned). Array elements are kept as they are,
/// apart from pruning inside them.
pub fn omit_empty(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for child in map.values_mut() {
                omit_empty(child);
            }
            map.retain(|_, child| !is_empty(child));
        }
        Value::Array(items) => items.iter_mut().for_each(omit_empty),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Serializes `value` to JSON with the omit-empty convention applied.
pub fn to_value<T: Serialize>(value: &T) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(value)?;
    omit_empty(&mut v);
    Ok(v)
}

/// Serializes `value` to a JSON string with the omit-empty convention applied.
pub fn to_string<T: Serialize>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(&to_value(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn omits_null_empty_objects_and_arrays_recursively() {
        let mut v = json!({"a": null, "b": [], "c": {}, "d": {"e": {"f": []}}, "g": [1, {}], "h": 0, "i": ""});
        omit_empty(&mut v);
        assert_eq!(v, json!({"g": [1, {}], "h": 0, "i": ""}));
    }
}
