//! The inputs JavaScript passes in, read field by field over one JSON value.

use crate::json::{Map, Value};

/// An input JavaScript passes in, read field by field over an [`Input`] (see
/// `wasm::from_js`): one reader of JSON values for every input, where derived readers each
/// carried a parser of their own.
pub trait FromInput: Sized {
    /// Reads the input; the error names the field that is wrong (never its value).
    fn read(input: &mut Input) -> Result<Self, String>;
}

/// An object JavaScript passes in (through JSON), read field by field: a missing field is left
/// to its default, a field of another type is an error that names it (without its value), and
/// fields this version does not know are ignored. Written by hand over [`Value`] rather than
/// derived: every input shares the one JSON-to-`Value` parser, where derived readers each carried
/// a parser of their own (tens of KB of the module).
pub struct Input {
    fields: Map,
}

impl Input {
    /// The fields of `value`, which must be an object.
    pub fn new(value: Value) -> Result<Input, String> {
        match value {
            Value::Object(fields) => Ok(Input { fields }),
            other => Err(format!(
                "invalid type: {}, expected an object",
                json_kind(&other)
            )),
        }
    }

    /// Reads an input of type `T` from a JSON value (an object).
    pub fn read<T: FromInput>(value: Value) -> Result<T, String> {
        T::read(&mut Input::new(value)?)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.fields.remove(key)
    }

    /// A string field; `null` is refused like any other non-string.
    pub fn string(&mut self, key: &str) -> Result<String, String> {
        match self.take(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(wrong_type(key, &other, "a string")),
        }
    }

    /// An optional string field (`null`: none).
    pub fn opt_string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(key, &other, "a string")),
        }
    }

    /// An optional integer field (`null`: none) within `min..=max`.
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
        match self.take(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(format!(
                    "invalid value: the field {key} must be a whole number between {min} and {max}"
                )),
            },
            Some(other) => Err(wrong_type(key, &other, "a number")),
        }
    }

    /// A count (`usize`); `default` when missing.
    pub fn count(&mut self, key: &str, default: usize) -> Result<usize, String> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Number(n)) => {
                n.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        format!(
                            "invalid value: the field {key} must be a whole number of at least 0"
                        )
                    })
            }
            Some(other) => Err(wrong_type(key, &other, "a number")),
        }
    }

    /// A boolean field; `false` when missing.
    pub fn flag(&mut self, key: &str) -> Result<bool, String> {
        match self.take(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(wrong_type(key, &other, "a boolean")),
        }
    }

    /// An object field; an empty one when missing.
    pub fn object(&mut self, key: &str) -> Result<Input, String> {
        match self.take(key) {
            None => Ok(Input::default()),
            Some(Value::Object(fields)) => Ok(Input { fields }),
            Some(other) => Err(wrong_type(key, &other, "an object")),
        }
    }

    /// An optional object of strings (`null`: none), its entries in key order.
    pub fn opt_strings(&mut self, key: &str) -> Result<Option<Vec<(String, String)>>, String> {
        let fields = match self.take(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(fields)) => fields,
            Some(other) => return Err(wrong_type(key, &other, "an object")),
        };
        let mut out = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            match value {
                Value::String(s) => out.push((name, s)),
                other => return Err(wrong_type(&format!("{key}.{name}"), &other, "a string")),
            }
        }
        Ok(Some(out))
    }
}

impl Default for Input {
    fn default() -> Self {
        Input { fields: Map::new() }
    }
}

/// What kind of JSON value `value` is, for messages (never the value itself: it could be a
/// secret).
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(key: &str, value: &Value, expected: &str) -> String {
    format!(
        "invalid type: the field {key} is {}, expected {expected}",
        json_kind(value)
    )
}
