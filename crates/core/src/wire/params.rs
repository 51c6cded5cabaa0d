//! Error parameters as Rust values: the conversions the generated enums use.

use super::{Params, ParseError};
use crate::ErrorId;
use serde_json::Value;
use std::collections::BTreeMap;

/// A Rust value that can be an error parameter.
pub trait ParamValue: Sized {
    /// As JSON; `None` leaves the parameter out.
    fn to_param(&self) -> Option<Value>;
    /// From JSON.
    fn from_param(v: &Value) -> Option<Self>;
}

impl ParamValue for String {
    fn to_param(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
}

impl ParamValue for i64 {
    fn to_param(&self) -> Option<Value> {
        Some(Value::from(*self))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_i64()
    }
}

impl ParamValue for Vec<String> {
    fn to_param(&self) -> Option<Value> {
        Some(Value::Array(
            self.iter().cloned().map(Value::String).collect(),
        ))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_array()?
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect()
    }
}

impl ParamValue for BTreeMap<String, String> {
    fn to_param(&self) -> Option<Value> {
        Some(Value::Object(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ))
    }
    fn from_param(v: &Value) -> Option<Self> {
        v.as_object()?
            .iter()
            .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    }
}

impl ParamValue for Value {
    fn to_param(&self) -> Option<Value> {
        Some(self.clone())
    }
    fn from_param(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn to_param(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_param)
    }
    fn from_param(v: &Value) -> Option<Self> {
        T::from_param(v).map(Some)
    }
}

/// Used by generated code: stores a parameter.
pub fn put<T: ParamValue>(p: &mut Params, name: &str, v: &T) {
    if let Some(v) = v.to_param() {
        p.insert(name.to_string(), v);
    }
}

/// Used by generated code: reads a required parameter.
pub fn take<T: ParamValue>(p: &Params, name: &'static str, id: ErrorId) -> Result<T, ParseError> {
    p.get(name)
        .and_then(T::from_param)
        .ok_or(ParseError::BadParam { id, name })
}

/// Used by generated code: reads an optional parameter.
pub fn take_opt<T: ParamValue>(
    p: &Params,
    name: &'static str,
    id: ErrorId,
) -> Result<Option<T>, ParseError> {
    match p.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_param(v)
            .map(Some)
            .ok_or(ParseError::BadParam { id, name }),
    }
}
