//! The crate's own JSON: a value ([`Value`], [`Map`], [`Number`]), a strict parser
//! ([`from_str`]), a writer (`Display` of a value: compact, or pretty with `{:#}`) and a small
//! serde serializer ([`to_string`]) for the structs that cross into JavaScript.
//!
//! Written for the module's size: `serde_json` with its `BTreeMap`, float parsing and formatting
//! and `io::Error` cost about 30 KB of the wasm. It reads and writes what `serde_json` does, with
//! these differences, all on purpose:
//!
//! - A number keeps its literal text. Integers read as `serde_json` reads them ([`Number::as_i64`],
//!   [`Number::as_u64`]; `-0` is not an integer there either); a number with a fraction or an
//!   exponent is written back exactly as it was read (`1.0e2` stays `1.0e2`, where `serde_json`
//!   writes `100.0`; `1e-400` stays, where `serde_json` writes `0.0`), so no float formatting is
//!   in the module (reading one as an `f64` is, for comparisons). Numbers too large for an `f64`
//!   (`1e400`, or 400 digits then `e-1`) are refused, as `serde_json` refuses them (decided on the
//!   decimal digits: from `f64::MAX` plus half an ulp, to 22 digits).
//!   Two numbers are equal as `serde_json`'s are, by value (see [`Number`]): `1.0` and `1.00` are.
//! - Objects keep their keys sorted (byte order), as `serde_json`'s default `BTreeMap` does; a
//!   duplicate key keeps the last value.
//! - Errors carry `serde_json`'s messages, line and column (byte-based, as `serde_json` counts)
//!   and [`Error::is_eof`].
//! - The serde serializer writes no floats (no type of the crate has one): an `f32`/`f64` is an
//!   error.

use serde::ser::{self, Serialize};
use std::borrow::Cow;
use std::fmt;

/// How deep arrays and objects may nest (as `serde_json`: the 128th level is refused), so that
/// deep input cannot overflow the stack.
const RECURSION_LIMIT: u32 = 128;

/// A JSON value.
///
/// Its `{:?}` is the compact JSON text with the values of secret-bearing keys (`access_token`,
/// `refresh_token`, `app_secret`, …) blanked, as in error snippets: a value here is often a
/// TikTok response as it came, and whatever holds one and derives `Debug` must not show a
/// token. `Display` and [`Value::to_json`] write it whole.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A JSON number as its literal text (valid JSON number grammar, checked when parsed).
///
/// Two numbers are equal as `serde_json`'s are: integers (`u64`, else `i64`) by their value,
/// any other number by its `f64` value, and an integer never equals a non-integer (`1 != 1.0`,
/// `1.0 == 1.00 == 1e0`). The text is kept as it was read, so a number written back is exact.
#[derive(Debug, Clone)]
pub struct Number(String);

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        if self.0 == other.0 {
            return true;
        }
        match (self.as_u64(), other.as_u64()) {
            (Some(a), Some(b)) => return a == b,
            (Some(_), None) | (None, Some(_)) => return false,
            (None, None) => {}
        }
        match (self.as_i64(), other.as_i64()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => matches!((self.as_f64(), other.as_f64()), (Some(a), Some(b)) if a == b),
            _ => false,
        }
    }
}

// An equivalence: every number is finite (the parser refuses what overflows an `f64`, and JSON
// has no NaN), and each text falls in one class (u64, i64 or f64) whichever it is compared with.
impl Eq for Number {}

impl Number {
    /// Its text, as read (or as an integer was written).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The integer when it is a non-negative integer literal that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        crate::text::decimal(&self.0)
    }

    /// The integer when it is an integer literal that fits in `i64` (`-0` is not one, as in
    /// `serde_json`, which reads it as a float).
    pub fn as_i64(&self) -> Option<i64> {
        match self.0.strip_prefix('-') {
            Some(magnitude) => {
                let m = crate::text::decimal(magnitude)?;
                if m == 0 || m > 1 << 63 {
                    None
                } else {
                    Some(0i64.wrapping_sub_unsigned(m))
                }
            }
            None => i64::try_from(self.as_u64()?).ok(),
        }
    }

    /// Whether it reads as an `i64`.
    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }

    /// Whether it reads as a `u64`.
    pub fn is_u64(&self) -> bool {
        self.as_u64().is_some()
    }

    /// Whether it is neither an `i64` nor a `u64` (a fraction, an exponent, `-0`, or an integer
    /// beyond 64 bits), as `serde_json` would hold it as an `f64`.
    pub fn is_f64(&self) -> bool {
        !self.is_i64() && !self.is_u64()
    }

    /// Its value as an `f64` (rounded).
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        let mut out = String::new();
        write_u64(&mut out, n);
        Number(out)
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        let mut out = String::new();
        if n < 0 {
            out.push('-');
        }
        write_u64(&mut out, n.unsigned_abs());
        Number(out)
    }
}

/// Writes `n` in decimal.
fn write_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    for &b in buf.get(at..).unwrap_or_default() {
        out.push(char::from(b));
    }
}

/// A JSON object: its entries sorted by key (byte order), each key once. Its `{:?}` blanks
/// secret-bearing keys, as [`Value`]'s does.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let at = self.find(key).ok()?;
        self.entries.get(at).map(|(_, v)| v)
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let at = self.find(key).ok()?;
        self.entries.get_mut(at).map(|(_, v)| v)
    }

    /// Whether `key` is there.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` (a literal, usually) to `value`: the key's copy is made here, once in the
    /// module, rather than at each of the many callers that write a record field by field.
    #[inline(never)]
    pub fn put(&mut self, key: &str, value: Value) {
        self.insert(key.to_owned(), value);
    }

    /// Sets `key` to the string `value` (see [`Map::put`]).
    #[inline(never)]
    pub fn put_str(&mut self, key: &str, value: &str) {
        self.put(key, Value::String(value.to_owned()));
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        // Appending in order (a parsed sorted object, keys written in order) needs no search.
        if self.entries.last().is_none_or(|(last, _)| *last < key) {
            self.entries.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(at) => self
                .entries
                .get_mut(at)
                .map(|(_, slot)| std::mem::replace(slot, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Sets `key` to `value()` when it is missing (`entry(key).or_insert_with(value)`).
    pub fn insert_missing(&mut self, key: String, value: impl FnOnce() -> Value) {
        if let Err(at) = self.find(&key) {
            self.entries.insert(at, (key, value()));
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.find(key).ok()?;
        Some(self.entries.remove(at).1)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &Value)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries, in key order, values to change.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&String, &mut Value)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Builds a map from entries in any order (the last of a duplicate key wins), sorting once.
    fn from_entries(mut entries: Vec<(String, Value)>) -> Map {
        let sorted = entries
            .windows(2)
            .all(|pair| matches!(pair, [(a, _), (b, _)] if a < b));
        if !sorted && entries.len() <= 32 {
            // Few: inserted one by one (no allocation but the map's).
            let mut map = Map {
                entries: Vec::with_capacity(entries.len()),
            };
            map.extend(entries);
            return map;
        }
        if !sorted {
            // The crate's one sort (stable: of equal keys the last one read stays last); then
            // keep only that last one.
            let mut keys = Vec::with_capacity(entries.len());
            let mut slots: Vec<Option<Value>> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                keys.push((0, key, String::new()));
                slots.push(Some(value));
            }
            let order = crate::sort_keys(keys);
            let mut unique: Vec<(String, Value)> = Vec::with_capacity(slots.len());
            for ((_, key, _), at) in order {
                let value = slots.get_mut(at).and_then(Option::take).unwrap_or_default();
                match unique.last_mut() {
                    Some((last, slot)) if *last == key => *slot = value,
                    _ => unique.push((key, value)),
                }
            }
            entries = unique;
        }
        Map { entries }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        // A plain loop: one small instantiation per iterator type, not collect's.
        let mut entries = Vec::new();
        for entry in iter {
            entries.push(entry);
        }
        Map::from_entries(entries)
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl Value {
    /// The value of `key` when this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The value of `key` when this is an object, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, when this is a number that reads as `i64` (see [`Number::as_i64`]).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The integer, when this is a number that reads as `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `f64` (rounded), when this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The items, when this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The items, when this is an array, to change them.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, when this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The entries, when this is an object, to change them.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Value {
        Value::Number(i64::from(n).into())
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.into())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(u64::from(n).into())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Value {
        Value::Object(map)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        // A plain loop: smaller in the module than `collect`'s in-place specialisation.
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(item.into());
        }
        Value::Array(out)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// What went wrong (`serde_json`'s codes and words).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    InvalidUnicodeCodePoint,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
    Message(String),
}

impl Code {
    fn words(&self) -> &str {
        match self {
            Code::EofWhileParsingList => "EOF while parsing a list",
            Code::EofWhileParsingObject => "EOF while parsing an object",
            Code::EofWhileParsingString => "EOF while parsing a string",
            Code::EofWhileParsingValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedSomeIdent => "expected ident",
            Code::ExpectedSomeValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::InvalidUnicodeCodePoint => "invalid unicode code point",
            Code::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::RecursionLimitExceeded => "recursion limit exceeded",
            Code::Message(message) => message,
        }
    }
}

/// A JSON error: text that is not JSON (with where), or a value the serializer cannot write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: Code,
    line: usize,
    column: usize,
}

/// The parser's error (the same type as the serializer's).
pub type ParseError = Error;

impl Error {
    fn message(message: String) -> Error {
        Error {
            code: Code::Message(message),
            line: 0,
            column: 0,
        }
    }

    /// Whether the text ended before the value did (`serde_json`'s `is_eof`).
    pub fn is_eof(&self) -> bool {
        matches!(
            self.code,
            Code::EofWhileParsingList
                | Code::EofWhileParsingObject
                | Code::EofWhileParsingString
                | Code::EofWhileParsingValue
        )
    }

    /// The line of the error, from 1 (0 for a serializer's error).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of the error in bytes, from 1 (0 when the error is at the start of a line or
    /// is a serializer's).
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(self.code.words())
        } else {
            write!(
                f,
                "{} at line {} column {}",
                self.code.words(),
                self.line,
                self.column
            )
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error::message(msg.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Parses JSON text (RFC 8259, as strictly as `serde_json`: no comments, no trailing commas, only
/// whitespace after the value, arrays and objects nested less than 128 deep).
pub fn from_str(text: &str) -> Result<Value, Error> {
    let mut parser = Parser::new(text);
    let value = parser.value()?;
    match parser.whitespace() {
        Some(_) => Err(parser.peek_error(Code::TrailingCharacters)),
        None => Ok(value),
    }
}

/// A reader of JSON text, byte by byte, with `serde_json`'s error positions.
pub(crate) struct Parser<'a> {
    text: &'a str,
    at: usize,
    depth_left: u32,
}

impl<'a> Parser<'a> {
    /// A reader at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            at: 0,
            depth_left: RECURSION_LIMIT,
        }
    }

    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte, not taken.
    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// Takes one byte (one just peeked).
    pub(crate) fn bump(&mut self) {
        self.at += 1;
    }

    /// Skips whitespace; the next byte, not taken.
    pub(crate) fn whitespace(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    fn position(&self, at: usize) -> (usize, usize) {
        let before = self.bytes().get(..at).unwrap_or_default();
        let start_of_line = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = 1 + before
            .get(..start_of_line)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        (line, at - start_of_line)
    }

    /// An error at the byte just taken.
    #[cold]
    fn error(&self, code: Code) -> Error {
        let (line, column) = self.position(self.at);
        Error { code, line, column }
    }

    /// An error at the byte peeked.
    #[cold]
    fn peek_error(&self, code: Code) -> Error {
        let (line, column) = self.position(self.bytes().len().min(self.at + 1));
        Error { code, line, column }
    }

    fn value(&mut self) -> Result<Value, Error> {
        let Some(first) = self.whitespace() else {
            return Err(self.peek_error(Code::EofWhileParsingValue));
        };
        Ok(match first {
            b'n' => {
                self.at += 1;
                self.ident(b"ull")?;
                Value::Null
            }
            b't' => {
                self.at += 1;
                self.ident(b"rue")?;
                Value::Bool(true)
            }
            b'f' => {
                self.at += 1;
                self.ident(b"alse")?;
                Value::Bool(false)
            }
            b'-' | b'0'..=b'9' => Value::Number(self.number()?),
            b'"' => {
                self.at += 1;
                Value::String(self.string()?.into_owned())
            }
            b'[' => {
                self.enter()?;
                let items = self.array();
                self.depth_left += 1;
                Value::Array(items?)
            }
            b'{' => {
                self.enter()?;
                let map = self.object();
                self.depth_left += 1;
                Value::Object(map?)
            }
            _ => return Err(self.peek_error(Code::ExpectedSomeValue)),
        })
    }

    /// One level deeper, at `[` or `{` (taken here).
    fn enter(&mut self) -> Result<(), Error> {
        self.depth_left -= 1;
        if self.depth_left == 0 {
            self.depth_left += 1;
            return Err(self.peek_error(Code::RecursionLimitExceeded));
        }
        self.at += 1;
        Ok(())
    }

    fn ident(&mut self, rest: &[u8]) -> Result<(), Error> {
        for &expected in rest {
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingValue)),
                Some(b) if b != expected => return Err(self.error(Code::ExpectedSomeIdent)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Vec<Value>, Error> {
        let mut items = Vec::new();
        loop {
            match self.whitespace() {
                None => return Err(self.peek_error(Code::EofWhileParsingList)),
                Some(b']') => break,
                Some(_) if items.is_empty() => {}
                Some(b',') => {
                    self.at += 1;
                    match self.whitespace() {
                        Some(b']') => return Err(self.peek_error(Code::TrailingComma)),
                        Some(_) => {}
                        None => return Err(self.peek_error(Code::EofWhileParsingValue)),
                    }
                }
                Some(_) => return Err(self.peek_error(Code::ExpectedListCommaOrEnd)),
            }
            items.push(self.value()?);
        }
        self.at += 1;
        Ok(items)
    }

    /// Before a key: `{`, or a value and `,`, just read (`first`: nothing read yet). `Ok(false)`
    /// at the closing `}` (not taken); `Ok(true)` with the key's `"` taken.
    pub(crate) fn next_key(&mut self, first: bool) -> Result<bool, Error> {
        match self.whitespace() {
            None => return Err(self.peek_error(Code::EofWhileParsingObject)),
            Some(b'}') => return Ok(false),
            Some(b'"') if first => {}
            Some(_) if first => return Err(self.peek_error(Code::KeyMustBeAString)),
            Some(b',') => {
                self.at += 1;
                match self.whitespace() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.peek_error(Code::TrailingComma)),
                    Some(_) => return Err(self.peek_error(Code::KeyMustBeAString)),
                    None => return Err(self.peek_error(Code::EofWhileParsingValue)),
                }
            }
            Some(_) => return Err(self.peek_error(Code::ExpectedObjectCommaOrEnd)),
        }
        self.at += 1;
        Ok(true)
    }

    /// The `:` after a key.
    pub(crate) fn colon(&mut self) -> Result<(), Error> {
        match self.whitespace() {
            Some(b':') => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(self.peek_error(Code::ExpectedColon)),
            None => Err(self.peek_error(Code::EofWhileParsingObject)),
        }
    }

    fn object(&mut self) -> Result<Map, Error> {
        let mut entries = Vec::new();
        while self.next_key(entries.is_empty())? {
            let key = self.string()?.into_owned();
            self.colon()?;
            entries.push((key, self.value()?));
        }
        self.at += 1;
        Ok(Map::from_entries(entries))
    }

    /// A string's content after its opening `"` (taken), up to and with its closing `"`;
    /// borrowed from the text when it has no escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        let text = self.text;
        let mut out: Option<String> = None;
        let mut start = self.at;
        loop {
            self.plain();
            let Some(b) = self.peek() else {
                return Err(self.error(Code::EofWhileParsingString));
            };
            match b {
                b'"' => {
                    let tail = text.get(start..self.at).unwrap_or_default();
                    self.at += 1;
                    return Ok(match out {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = out.get_or_insert_with(String::new);
                    s.push_str(text.get(start..self.at).unwrap_or_default());
                    self.at += 1;
                    let c = self.escape()?;
                    s.push(c);
                    start = self.at;
                }
                _ => {
                    self.at += 1;
                    return Err(self.error(Code::ControlCharacterWhileParsingString));
                }
            }
        }
    }

    /// Skips the bytes of a string that need no attention: up to a `"`, a `\` or a control
    /// character (one tight loop: most of a body is strings).
    fn plain(&mut self) {
        let rest = self.bytes().get(self.at..).unwrap_or_default();
        self.at += rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len());
    }

    /// The character of an escape, after its `\` (taken).
    fn escape(&mut self) -> Result<char, Error> {
        let Some(b) = self.next() else {
            return Err(self.error(Code::EofWhileParsingString));
        };
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(self.error(Code::InvalidEscape)),
        })
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u16, Error> {
        let Some(digits) = self.bytes().get(self.at..self.at + 4) else {
            self.at = self.bytes().len();
            return Err(self.error(Code::EofWhileParsingString));
        };
        self.at += 4;
        let mut n = 0u16;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error(Code::InvalidEscape)),
            };
            n = (n << 4) | u16::from(v);
        }
        Ok(n)
    }

    /// A `\u` escape (after `\u`), a surrogate pair as one character; a lone surrogate is an
    /// error.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let n = self.hex4()?;
        let code = match n {
            0xDC00..=0xDFFF => return Err(self.error(Code::LoneLeadingSurrogateInHexEscape)),
            0xD800..=0xDBFF => {
                for expected in [b'\\', b'u'] {
                    match self.peek() {
                        None => return Err(self.error(Code::EofWhileParsingString)),
                        Some(b) if b == expected => self.at += 1,
                        Some(_) => {
                            self.at += 1;
                            return Err(self.error(Code::UnexpectedEndOfHexEscape));
                        }
                    }
                }
                let n2 = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&n2) {
                    return Err(self.error(Code::LoneLeadingSurrogateInHexEscape));
                }
                ((u32::from(n - 0xD800) << 10) | u32::from(n2 - 0xDC00)) + 0x1_0000
            }
            _ => u32::from(n),
        };
        char::from_u32(code).ok_or_else(|| self.error(Code::InvalidUnicodeCodePoint))
    }

    /// Reads a number's text, checking its grammar only (the range: [`Parser::number`]).
    fn number_text(&mut self) -> Result<NumberParts, Error> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next() {
            None => return Err(self.error(Code::EofWhileParsingValue)),
            Some(b'0') => {
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.peek_error(Code::InvalidNumber));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            Some(_) => return Err(self.error(Code::InvalidNumber)),
        }
        let int_end = self.at;
        let mut frac_end = int_end;
        if self.peek() == Some(b'.') {
            self.at += 1;
            let digits = self.at;
            self.digits();
            if self.at == digits {
                return Err(self.peek_error(match self.peek() {
                    Some(_) => Code::InvalidNumber,
                    None => Code::EofWhileParsingValue,
                }));
            }
            frac_end = self.at;
        }
        let mut exp_negative = false;
        let mut exp_start = self.at;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            match self.peek() {
                Some(b'+') => self.at += 1,
                Some(b'-') => {
                    exp_negative = true;
                    self.at += 1;
                }
                _ => {}
            }
            exp_start = self.at;
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingValue)),
                Some(b'0'..=b'9') => self.digits(),
                Some(_) => return Err(self.error(Code::InvalidNumber)),
            }
        }
        Ok(NumberParts {
            start,
            int_end,
            frac_end,
            exp_start,
            exp_negative,
        })
    }

    fn digits(&mut self) {
        let rest = self.bytes().get(self.at..).unwrap_or_default();
        self.at += rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
    }

    /// A number, refused when an `f64` cannot hold it (as `serde_json` refuses it).
    fn number(&mut self) -> Result<Number, Error> {
        let parts = self.number_text()?;
        let bytes = self.bytes();
        let slice = |from: usize, to: usize| bytes.get(from..to).unwrap_or_default();
        let digit_start = parts.start + usize::from(bytes.get(parts.start) == Some(&b'-'));
        let int = slice(digit_start, parts.int_end);
        let frac = slice((parts.int_end + 1).min(parts.frac_end), parts.frac_end);
        let nonzero = int.iter().chain(frac).any(|&b| b != b'0');
        let exp_digits = slice(parts.exp_start, self.at);
        // The exponent as serde_json reads it: it refuses, at the digit that makes it exceed
        // i32::MAX, an exponent that grows so with a non-zero significand.
        let mut exp: i64 = 0;
        for (n, &d) in exp_digits.iter().enumerate() {
            exp = exp * 10 + i64::from(d - b'0');
            if exp > i64::from(i32::MAX) {
                if nonzero && !parts.exp_negative {
                    let (line, column) = self.position(parts.exp_start + n + 1);
                    return Err(Error {
                        code: Code::NumberOutOfRange,
                        line,
                        column,
                    });
                }
                break;
            }
        }
        // The exponent's sign counts: 400 digits then `e-1` still overflow (serde_json refuses
        // them too). An exponent cut short above is only ever negative here, so far from 309.
        let exp = if parts.exp_negative { -exp } else { exp };
        if nonzero && too_large(int, frac, exp) {
            return Err(self.error(Code::NumberOutOfRange));
        }
        let text = self.text.get(parts.start..self.at).unwrap_or_default();
        Ok(Number(text.to_owned()))
    }

    /// Skips one value, checking only that it is JSON, as `serde_json` skips a value it
    /// ignores: nesting to any depth (with a stack of its own), strings' escapes checked for
    /// form only (a lone surrogate passes), numbers for grammar only (`1e400` passes).
    pub(crate) fn skip_value(&mut self) -> Result<(), Error> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value.
            match self.whitespace() {
                None => return Err(self.peek_error(Code::EofWhileParsingValue)),
                Some(b'n') => {
                    self.at += 1;
                    self.ident(b"ull")?;
                }
                Some(b't') => {
                    self.at += 1;
                    self.ident(b"rue")?;
                }
                Some(b'f') => {
                    self.at += 1;
                    self.ident(b"alse")?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number_text()?;
                }
                Some(b'"') => {
                    self.at += 1;
                    self.skip_string()?;
                }
                Some(bracket @ (b'[' | b'{')) => {
                    self.at += 1;
                    let close = if bracket == b'[' { b']' } else { b'}' };
                    if self.whitespace() == Some(close) {
                        self.at += 1;
                    } else {
                        open.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                Some(_) => return Err(self.peek_error(Code::ExpectedSomeValue)),
            }
            // After a value: a comma and the next one, or the ends of what it closes.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                match self.whitespace() {
                    Some(b',') => {
                        self.at += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.at += 1;
                        open.pop();
                    }
                    Some(_) => {
                        return Err(self.peek_error(if close == b']' {
                            Code::ExpectedListCommaOrEnd
                        } else {
                            Code::ExpectedObjectCommaOrEnd
                        }))
                    }
                    None => {
                        return Err(self.peek_error(if close == b']' {
                            Code::EofWhileParsingList
                        } else {
                            Code::EofWhileParsingObject
                        }))
                    }
                }
            }
        }
    }

    /// A key and its colon, skipped.
    fn skip_key(&mut self) -> Result<(), Error> {
        match self.whitespace() {
            Some(b'"') => self.at += 1,
            Some(_) => return Err(self.peek_error(Code::KeyMustBeAString)),
            None => return Err(self.peek_error(Code::EofWhileParsingObject)),
        }
        self.skip_string()?;
        self.colon()
    }

    /// A string skipped (after its opening `"`): escapes checked for form only.
    fn skip_string(&mut self) -> Result<(), Error> {
        loop {
            self.plain();
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingString)),
                Some(b'"') => return Ok(()),
                Some(b'\\') => match self.next() {
                    None => return Err(self.error(Code::EofWhileParsingString)),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        self.hex4()?;
                    }
                    Some(_) => return Err(self.error(Code::InvalidEscape)),
                },
                Some(_) => return Err(self.error(Code::ControlCharacterWhileParsingString)),
            }
        }
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.whitespace().is_none()
    }
}

/// Where the parts of a number's text are.
struct NumberParts {
    start: usize,
    int_end: usize,
    frac_end: usize,
    exp_start: usize,
    exp_negative: bool,
}

/// The first 22 significant digits of `f64::MAX` plus half an ulp, `(2^54 - 1) * 2^970`
/// = 1.797693134862315807937289…e308: a number at or above it rounds to infinity. A number from
/// these 22 digits up to that exact bound (a relative width of 3e-22, where `serde_json`'s own
/// conversion already refuses more) is refused too.
const OVERFLOW_DIGITS: &[u8] = b"1797693134862315807937";

/// Whether the non-zero number `int.frac × 10^exp` (exp of either sign) rounds to infinity as an
/// `f64` (see [`OVERFLOW_DIGITS`]).
fn too_large(int: &[u8], frac: &[u8], exp: i64) -> bool {
    let digits = || int.iter().chain(frac).copied();
    let leading_zeros = digits().take_while(|&d| d == b'0').count();
    // The number is 0.D × 10^magnitude, D starting with a non-zero digit.
    let magnitude = int.len() as i64 - leading_zeros as i64 + exp;
    if magnitude != 309 {
        return magnitude > 309;
    }
    let mut significant = digits().skip(leading_zeros);
    for &limit_digit in OVERFLOW_DIGITS {
        match significant.next() {
            Some(d) if d != limit_digit => return d > limit_digit,
            Some(_) => {}
            None => return false,
        }
    }
    // Equal to the bound's digits: at or above it.
    true
}

// ---------------------------------------------------------------------------------------------
// Writer

// `{:?}`: compact JSON with secrets blanked (see `Value`). The redaction rule is the error
// module's, so that a key it treats as secret in a snippet is secret here too.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::error::scrubbed_json(self))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::error::scrubbed_json(&Value::Object(self.clone())))
    }
}

impl fmt::Display for Value {
    /// The value as JSON text: compact, or with `{:#}` indented by two spaces as
    /// `serde_json::to_string_pretty` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_value(&mut out, self, f.alternate().then_some(0));
        f.write_str(&out)
    }
}

impl fmt::Display for Map {
    /// The object as compact JSON text (`{:#}`: pretty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_object(&mut out, self, f.alternate().then_some(0));
        f.write_str(&out)
    }
}

impl Value {
    /// The value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, None);
        out
    }

    /// The value as JSON text indented by two spaces, as `serde_json::to_string_pretty`.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, Some(0));
        out
    }
}

impl Map {
    /// The object as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_object(&mut out, self, None);
        out
    }
}

/// A line break and the indent of `level` (pretty form only).
fn newline(out: &mut String, level: Option<usize>) {
    if let Some(level) = level {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    }
}

fn write_value(out: &mut String, value: &Value, level: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.0),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            let inner = level.map(|l| l + 1);
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_value(out, item, inner);
            }
            if !items.is_empty() {
                newline(out, level);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, level),
    }
}

fn write_object(out: &mut String, map: &Map, level: Option<usize>) {
    out.push('{');
    let inner = level.map(|l| l + 1);
    for (n, (key, item)) in map.entries.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        newline(out, inner);
        write_str(out, key);
        out.push_str(if level.is_some() { ": " } else { ":" });
        write_value(out, item, inner);
    }
    if !map.is_empty() {
        newline(out, level);
    }
    out.push('}');
}

/// A string in quotes, escaped as `serde_json` escapes it: `"`, `\`, the short forms `\b \f \n
/// \r \t`, other control characters as `\u00xx`; everything else as is (UTF-8, `/` included).
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (at, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(start..at).unwrap_or_default());
        if short.is_empty() {
            out.push_str("\\u00");
            out.push_str(&crate::text::lower_hex(&[b]));
        } else {
            out.push_str(short);
        }
        start = at + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

// ---------------------------------------------------------------------------------------------
// The serde serializer

/// Any `Serialize` value as compact JSON text, as `serde_json::to_string` writes it (struct
/// fields in their order, maps in theirs, `None` as `null`, unit variants as strings). Floats
/// are an error: no type of the crate has one.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, Error> {
    let mut writer = Writer(String::new());
    value.serialize(&mut writer)?;
    Ok(writer.0)
}

/// Any `Serialize` value as a [`Value`] (through its text: objects then have sorted keys, as
/// `serde_json::to_value` gives).
pub fn to_value<T: ?Sized + Serialize>(value: &T) -> Result<Value, Error> {
    from_str(&to_string(value)?)
}

/// The serializer: JSON text written into a string.
struct Writer(String);

/// An array, object or variant being written.
struct Compound<'a> {
    writer: &'a mut Writer,
    first: bool,
    end: &'static str,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.writer.0.push(',');
        }
        self.first = false;
    }
}

impl<'a> Writer {
    fn open(&'a mut self, open: &str, end: &'static str) -> Compound<'a> {
        self.0.push_str(open);
        Compound {
            writer: self,
            first: true,
            end,
        }
    }

    fn variant(&'a mut self, variant: &str, open: &str, end: &'static str) -> Compound<'a> {
        self.0.push('{');
        write_str(&mut self.0, variant);
        self.0.push(':');
        self.open(open, end)
    }
}

type Written = Result<(), Error>;

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Written {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Written {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Written {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Written {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Written {
        if v < 0 {
            self.0.push('-');
        }
        write_u64(&mut self.0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Written {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Written {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Written {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Written {
        write_u64(&mut self.0, v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Written {
        Err(Error::message("floats are not written".to_owned()))
    }
    fn serialize_f64(self, _: f64) -> Written {
        Err(Error::message("floats are not written".to_owned()))
    }
    fn serialize_char(self, v: char) -> Written {
        write_str(&mut self.0, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Written {
        write_str(&mut self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Written {
        use ser::SerializeSeq;
        let mut seq = self.open("[", "]");
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Written {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Written {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Written {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Written {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Written {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Written {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Written {
        self.0.push('{');
        write_str(&mut self.0, variant);
        self.0.push(':');
        value.serialize(&mut *self)?;
        self.0.push('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open("[", "]"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, "[", "]}"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.open("{", "}"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open("{", "}"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, "{", "}}"))
    }
}

impl Compound<'_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Written {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Written {
        self.key(key);
        value.serialize(&mut *self.writer)
    }

    /// A field's comma, key and colon: out of line, as `field` is instantiated per value type.
    #[inline(never)]
    fn key(&mut self, key: &str) {
        self.comma();
        write_str(&mut self.writer.0, key);
        self.writer.0.push(':');
    }

    fn finish(self) -> Written {
        self.writer.0.push_str(self.end);
        Ok(())
    }
}

/// serde's four sequence-like compounds are one thing here: elements written in order, `[…]`.
macro_rules! element_compound {
    ($($trait:ident :: $method:ident),+) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Written {
                self.element(value)
            }
            fn end(self) -> Written {
                self.finish()
            }
        }
    )+};
}
element_compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Written {
        self.comma();
        let out = &mut self.writer.0;
        let start = out.len();
        key.serialize(&mut *self.writer)?;
        let out = &mut self.writer.0;
        // A key must be a string; integers are quoted, as serde_json quotes them.
        match out.as_bytes().get(start) {
            Some(b'"') => Ok(()),
            Some(b'-' | b'0'..=b'9') => {
                out.insert(start, '"');
                out.push('"');
                Ok(())
            }
            _ => Err(Error::message("key must be a string".to_owned())),
        }
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Written {
        self.writer.0.push(':');
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Written {
        self.finish()
    }
}

/// A struct and a struct variant's fields are written alike: `"key":value`, in order.
macro_rules! field_compound {
    ($($trait:ident),+) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Written {
                self.field(key, value)
            }
            fn end(self) -> Written {
                self.finish()
            }
        }
    )+};
}
field_compound!(SerializeStruct, SerializeStructVariant);

// ---------------------------------------------------------------------------------------------
// serde impls of the value (for structs that hold one, and for tests that compare with
// serde_json; the crate writes and reads values with the functions above)

impl Serialize for Number {
    /// Integers as integers; any other number as an `f64` (rounded).
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(n) = self.as_u64() {
            serializer.serialize_u64(n)
        } else if let Some(n) = self.as_i64() {
            serializer.serialize_i64(n)
        } else {
            serializer.serialize_f64(self.as_f64().unwrap_or_default())
        }
    }
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(map) => map.serialize(serializer),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for Map {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Map, D::Error> {
        use serde::de::Error as _;
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Ok(map),
            _ => Err(D::Error::custom("expected an object")),
        }
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // Non-finite numbers are not JSON: null, as serde_json makes them.
        Ok(if v.is_finite() {
            Value::Number(Number(format!("{v:?}")))
        } else {
            Value::Null
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            entries.push(entry);
        }
        Ok(Value::Object(Map::from_entries(entries)))
    }
}

// ---------------------------------------------------------------------------------------------
// Indexing and comparisons, as serde_json's (for tests and examples: `value["key"][0] == 3`)

static NULL: Value = Value::Null;

impl std::ops::Index<&str> for Value {
    type Output = Value;
    /// The value of `key`; `null` when this is not an object or has no such key.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;
    /// The item at `index`; `null` when this is not an array or is shorter.
    fn index(&self, index: usize) -> &Value {
        self.as_array()
            .and_then(|items| items.get(index))
            .unwrap_or(&NULL)
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    /// The value of `key`; `null` when there is none.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

impl PartialEq<i32> for Value {
    fn eq(&self, other: &i32) -> bool {
        self.as_i64() == Some(i64::from(*other))
    }
}

impl PartialEq<u64> for Value {
    fn eq(&self, other: &u64) -> bool {
        self.as_u64() == Some(*other)
    }
}
