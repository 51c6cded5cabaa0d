//! JSON Schema from the fields of an operations table row: bodies, path
//! parameters and their examples.

use idv_core::operation::{Body, Field, FieldType};
use serde_json::{Map, Value, json};

/// Appends `sentence` to a description, separated by a space.
pub(super) fn push_sentence(description: &mut String, sentence: &str) {
    if !description.is_empty() {
        description.push(' ');
    }
    description.push_str(sentence);
}

/// An example given as JSON text. A table's examples are checked to be JSON by
/// a test; text that is not is shown as the string it is.
pub(super) fn parse_example(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Lets every member of `schema` that is not required (at any depth, through
/// arrays of objects too) be `null` as well: `"type": ["string", "null"]`, and
/// `null` added to its `enum` when it has one.
pub(super) fn null_optional_members(schema: &mut Value) {
    let required: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for (name, member) in props.iter_mut() {
            if !required.iter().any(|r| r == name.as_str()) {
                if let Some(Value::String(ty)) = member.get("type") {
                    member["type"] = json!([ty.clone(), "null"]);
                }
                if let Some(Value::Array(values)) = member.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            null_optional_members(member);
        }
    }
    if let Some(items) = schema.get_mut("items") {
        null_optional_members(items);
    }
}

/// The `content` of a request or response body.
pub(super) fn media(body: &Body) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), object_schema(body.fields));
    if !body.example.is_empty() {
        m.insert("example".into(), parse_example(body.example));
    }
    json!({ body.content_type: m })
}

/// A path parameter.
pub(super) fn path_parameter(f: &Field) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), f.name.into());
    p.insert("in".into(), "path".into());
    p.insert("required".into(), true.into());
    if !f.description.is_empty() {
        p.insert("description".into(), f.description.into());
    }
    let mut schema = schema(f);
    if let Value::Object(s) = &mut schema {
        s.remove("description");
        s.remove("examples");
    }
    p.insert("schema".into(), schema);
    if !f.example.is_empty() {
        p.insert("example".into(), parse_example(f.example));
    }
    p.into()
}

/// An object whose members are `fields`.
pub(super) fn object_schema(fields: &[Field]) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), "object".into());
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    if !required.is_empty() {
        s.insert("required".into(), required.into());
    }
    if !fields.is_empty() {
        let properties: Map<String, Value> = fields
            .iter()
            .map(|f| (f.name.to_string(), schema(f)))
            .collect();
        s.insert("properties".into(), properties.into());
    }
    s.into()
}

/// The constraints of a string: format, values, pattern, length.
pub(super) fn string_schema(f: &Field) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "string".into());
    if !f.format.is_empty() {
        s.insert("format".into(), f.format.into());
    }
    if !f.values.is_empty() {
        s.insert("enum".into(), f.values.into());
    }
    if !f.pattern.is_empty() {
        s.insert("pattern".into(), f.pattern.into());
    }
    if f.max_length > 0 {
        s.insert("maxLength".into(), f.max_length.into());
    }
    s
}

/// The schema of one field, with its description and example.
pub(super) fn schema(f: &Field) -> Value {
    let mut s = match f.ty {
        FieldType::String => string_schema(f),
        FieldType::Integer => json_object(json!({"type": "integer"})),
        FieldType::Boolean => json_object(json!({"type": "boolean"})),
        FieldType::Object => json_object(object_schema(f.fields)),
        FieldType::StringMap => {
            json_object(json!({"type": "object", "additionalProperties": {"type": "string"}}))
        }
        FieldType::StringArray => {
            json_object(json!({"type": "array", "items": Value::Object(string_schema(f))}))
        }
        FieldType::ObjectArray => {
            json_object(json!({"type": "array", "items": object_schema(f.fields)}))
        }
    };
    if matches!(f.ty, FieldType::StringArray) {
        // The string constraints are the items'.
        for k in ["format", "enum", "pattern", "maxLength"] {
            s.remove(k);
        }
    }
    if !f.description.is_empty() {
        s.insert("description".into(), f.description.into());
    }
    if !f.example.is_empty() {
        s.insert("examples".into(), json!([parse_example(f.example)]));
    }
    s.into()
}

pub(super) fn json_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
