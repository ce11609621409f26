//! The crate's JSON (src/json.rs) against serde_json, differentially: what it accepts and
//! refuses, where it says an error is (line, column, end of input), what it writes (compact,
//! pretty, through serde), the code-0 fast path against serde's reading of it, and what a token
//! response that is not JSON is called (truncated or not, where) against serde_json's words.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use tiktok_shop_connect::error::MalformedKind;
use tiktok_shop_connect::json::{self, Value};
use tiktok_shop_connect::policy::code_is_zero;
use tiktok_shop_connect::token::parse_envelope;

/// Parses `text` with both and checks they agree: both accept (and then read the same value and
/// write the same text where serde_json writes numbers as they were written), or both refuse
/// with the same message, line, column and end-of-input flag.
fn agree(text: &str) {
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    let mine = json::from_str(text);
    match (&theirs, &mine) {
        (Ok(theirs), Ok(mine)) => {
            let back: serde_json::Value = serde_json::from_str(&mine.to_json()).unwrap();
            assert_eq!(&back, theirs, "{text:?}");
        }
        (Err(t), Err(m)) => {
            assert_eq!(t.is_eof(), m.is_eof(), "is_eof of {text:?}: {t} / {m}");
            assert_eq!(
                (t.line(), t.column()),
                (m.line(), m.column()),
                "position of {text:?}: {t} / {m}"
            );
            assert_eq!(t.to_string(), m.to_string(), "{text:?}");
        }
        _ => panic!("{text:?}: serde_json {theirs:?}, mine {mine:?}"),
    }
}

/// serde_json's values, with numbers serde_json writes back as they are read (integers; floats
/// in its own shortest form).
fn arb_value() -> impl Strategy<Value = serde_json::Value> {
    let text = prop_oneof![
        "[a-z]{0,6}",
        any::<String>(),
        "[\\\\\"/\u{0}-\u{1f}\u{7f}\u{80}-\u{10ffff}]{0,4}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        text.clone().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((text.clone(), inner), 0..6)
                .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Bytes that make JSON interesting when put in the middle of it.
fn arb_edit() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\\u".to_owned()),
        Just("\\ud800".to_owned()),
        Just("\\udc00".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just("-".to_owned()),
        Just(".".to_owned()),
        Just("e".to_owned()),
        Just("0".to_owned()),
        Just("1e400".to_owned()),
        Just("nul".to_owned()),
        Just("\u{1}".to_owned()),
        Just("é".to_owned()),
        "[ -~]{1,3}",
    ]
}

/// serde_json's text of `value`, pretty or compact.
fn serde_text(value: &serde_json::Value, pretty: bool) -> String {
    if pretty {
        serde_json::to_string_pretty(value).unwrap()
    } else {
        serde_json::to_string(value).unwrap()
    }
}

/// `text` with the bytes from `at` (a char boundary) to `at + cut` replaced by `insert`.
fn edited(text: &str, at: prop::sample::Index, cut: usize, insert: &str) -> String {
    let bounds: Vec<usize> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    let start = bounds[at.index(bounds.len())];
    let end = bounds
        .iter()
        .copied()
        .filter(|&b| b >= start)
        .nth(cut)
        .unwrap_or(text.len());
    format!("{}{insert}{}", &text[..start], &text[end..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn values_round_trip_as_serde_json_writes_them(value in arb_value()) {
        let compact = serde_json::to_string(&value).unwrap();
        let mine = json::from_str(&compact).unwrap();
        prop_assert_eq!(mine.to_json(), compact.clone());
        prop_assert_eq!(mine.to_string(), compact.clone());
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(mine.to_json_pretty(), pretty.clone());
        prop_assert_eq!(format!("{mine:#}"), pretty.clone());
        prop_assert_eq!(json::from_str(&pretty).unwrap(), mine.clone());
        // Through serde: the crate's value serialises as serde_json's does.
        prop_assert_eq!(serde_json::to_string(&mine).unwrap(), compact.clone());
        prop_assert_eq!(json::to_string(&value).ok(), (!has_float(&value)).then_some(compact));
    }

    #[test]
    fn edited_texts_are_accepted_or_refused_as_serde_json_does(
        value in arb_value(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..3,
        insert in arb_edit(),
        pretty in any::<bool>(),
    ) {
        agree(&edited(&serde_text(&value, pretty), at, cut, &insert));
    }

    #[test]
    fn arbitrary_short_texts_agree(text in "[\\[\\]{}\",:0-9eE+\\-. \n\\\\ntrufalsu]{0,24}") {
        agree(&text);
    }

    #[test]
    fn integers_read_as_serde_json_reads_them(n in any::<i128>()) {
        for text in [n.to_string(), format!("{n}.0"), format!("{n}e0")] {
            let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mine = json::from_str(&text).unwrap();
            prop_assert_eq!(mine.as_i64(), theirs.as_i64(), "{}", text);
            prop_assert_eq!(mine.as_u64(), theirs.as_u64(), "{}", text);
            // serde_json's conversion of long numbers may be an ulp off; the crate's is exact.
            let (m, t) = (mine.as_f64().unwrap(), theirs.as_f64().unwrap());
            prop_assert!((m - t).abs() <= t.abs() * 1e-15, "{}", text);
        }
    }

    #[test]
    fn code_zero_fast_path_takes_what_serde_took(
        value in arb_value(),
        code in prop_oneof![
            Just("0"), Just("1"), Just("-0"), Just("0.0"), Just("0e0"), Just("\"0\""),
            Just("null"), Just("[]"), Just("{}"), Just("00"), Just("1e400"),
        ],
        second_code in any::<bool>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..3,
        insert in arb_edit(),
        edit in any::<bool>(),
    ) {
        let mut body = format!("{{\"code\":{code},\"data\":{}", serde_json::to_string(&value).unwrap());
        if second_code {
            body.push_str(",\"code\":0");
        }
        body.push('}');
        if edit {
            body = edited(&body, at, cut, &insert);
        }
        prop_assert_eq!(code_is_zero(&body), serde_head(&body), "{}", body);
    }
}

fn has_float(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(items) => items.iter().any(has_float),
        serde_json::Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

#[test]
fn invalid_texts_are_refused_where_serde_json_refuses_them() {
    let corpus = [
        "",
        " ",
        "\n\n  ",
        "nul",
        "nulx",
        "tru",
        "falsey",
        "[",
        "[1",
        "[1,",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[1:2]",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":1,",
        "{\"a\":1,}",
        "{a:1}",
        "{1:1}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1]",
        "[1}",
        "01",
        "-01",
        "-",
        "-a",
        "1.",
        "1.e5",
        ".5",
        "1e",
        "1e+",
        "1e-x",
        "+1",
        "0x10",
        "1 2",
        "[] []",
        "\"abc",
        "\"\\",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12",
        "\"\\u12g4\"",
        "\"\\ud800\"",
        "\"\\ud800",
        "\"\\ud800\\",
        "\"\\ud800\\n\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800\\ud800\"",
        "\"\\udc00\"",
        "\"\\udfff\\ud800\"",
        "\"a\u{1}b\"",
        "\"tab\there\"",
        "\"line\nbreak\"",
        "/* comment */ 1",
        "[1] // comment",
        "NaN",
        "Infinity",
        "-Infinity",
        "'single'",
        "\u{feff}{}",
        "{\"a\":1}\n\n x",
        "[\n  1,\n  2\n  x\n]",
        "{\n \"key\":\n  [true,\n   nul]}",
        "1e400",
        "-1e400",
        "1e309",
        "10e308",
        "1.8e308",
        "179769313486231590000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "1e99999999999",
        "1e2147483648",
        "1e2147483647",
        "[1e400]",
        "{\"x\":1e400}",
        "\"\u{7f}\"",
    ];
    for text in corpus {
        agree(text);
    }
    // Long integer parts with a negative (or negative zero) exponent: the sign decides.
    let zeros = |n: usize| "0".repeat(n);
    for text in [
        format!("1{}e-1", zeros(400)),
        format!("1{}E-0", zeros(309)),
        format!("1{}e-1", zeros(310)),
        format!("1{}e-1", zeros(309)),
        format!("-1{}e-2", zeros(400)),
        format!("1{}.5e-99999999999", zeros(400)),
        format!("[1{}e-1]", zeros(400)),
    ] {
        agree(&text);
    }
}

#[test]
fn numbers_at_the_edges_read_as_serde_json_reads_them() {
    for text in [
        "0",
        "-0",
        "-0.0",
        "0e0",
        "0e999999999999",
        "0.000e99999",
        "1e-400",
        "-1e-400",
        "1e-99999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "9223372036854775807",
        "9223372036854775808",
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "1e308",
        "0.1e309",
        "1E5",
        "1e+5",
        "123456789012345678901234567890",
        "0.0000000000000000000000000001",
    ] {
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        let mine = json::from_str(text).unwrap();
        assert_eq!(mine.as_i64(), theirs.as_i64(), "{text}");
        assert_eq!(mine.as_u64(), theirs.as_u64(), "{text}");
        let (m, t) = (mine.as_f64().unwrap(), theirs.as_f64().unwrap());
        assert!((m - t).abs() <= t.abs() * 1e-15, "{text}");
        // Kept as written (serde_json would write its f64).
        assert_eq!(mine.to_json(), text);
    }
    // The one difference in what is refused: serde_json's (inexact) conversion overflows a few
    // numbers just below f64::MAX + half an ulp; the crate refuses exactly those that round to
    // infinity.
    assert!(serde_json::from_str::<serde_json::Value>("1.7976931348623158e308").is_err());
    assert_eq!(
        json::from_str("1.7976931348623158e308").unwrap().as_f64(),
        Some(f64::MAX)
    );
    agree("1.7976931348623159e308");
    assert_eq!(
        json::from_str("18446744073709551615").unwrap().as_u64(),
        Some(u64::MAX)
    );
    assert_eq!(
        json::from_str("-9223372036854775808").unwrap().as_i64(),
        Some(i64::MIN)
    );
    assert_eq!(Value::from(i64::MIN).to_json(), "-9223372036854775808");
    assert_eq!(Value::from(u64::MAX).to_json(), "18446744073709551615");
    assert_eq!(Value::from(0i64).to_json(), "0");
}

#[test]
fn escapes_and_surrogates_read_and_write_as_serde_json() {
    for text in [
        r#""\" \\ \/ \b \f \n \r \t""#,
        r#""\u0000\u001f\u007f\u0080\u00e9\uffff""#,
        r#""\uD83D\uDE00 \ud83d\ude00""#,
        r#""\u00E9 é 日本 😀""#,
        "\"\u{7f}\u{80}\u{2028}\u{2029}\"",
    ] {
        agree(text);
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        let mine = json::from_str(text).unwrap();
        assert_eq!(mine.to_json(), serde_json::to_string(&theirs).unwrap());
    }
    assert_eq!(
        Value::from("\u{0}\u{1f}\u{8}\u{c}/é").to_json(),
        r#""\u0000\u001f\b\f/é""#
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [126, 127, 128, 129, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}{}", open.repeat(depth), close.repeat(depth));
            agree(&text);
            agree(&open.repeat(depth));
        }
    }
    let text = "[".repeat(100_000);
    let error = json::from_str(&text).unwrap_err();
    assert!(!error.is_eof());
    assert_eq!(
        error.to_string(),
        "recursion limit exceeded at line 1 column 128"
    );
    // The fast path skips values to any depth, as serde skipped them.
    let deep = format!(
        "{{\"code\":0,\"data\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(code_is_zero(&deep), serde_head(&deep));
    assert!(code_is_zero(&deep));
}

#[test]
fn duplicate_keys_keep_the_last_value_and_objects_write_sorted() {
    for text in [
        r#"{"a":1,"a":2}"#,
        r#"{"b":1,"a":2,"b":3,"a":4}"#,
        r#"{"z":{"y":1,"x":2},"a":[{"d":1,"c":2}]}"#,
    ] {
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        let mine = json::from_str(text).unwrap();
        assert_eq!(mine.to_json(), serde_json::to_string(&theirs).unwrap());
    }
    let many: String = (0..2000)
        .rev()
        .map(|n| format!("\"k{}\":{n}", n % 1500))
        .collect::<Vec<_>>()
        .join(",");
    let text = format!("{{{many}}}");
    let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json::from_str(&text).unwrap().to_json(),
        serde_json::to_string(&theirs).unwrap()
    );
}

#[test]
fn the_map_behaves_as_serde_jsons() {
    let mut map = json::Map::new();
    assert_eq!(map.insert("b".into(), 1i64.into()), None);
    assert_eq!(map.insert("a".into(), 2i64.into()), None);
    assert_eq!(map.insert("b".into(), 3i64.into()), Some(1i64.into()));
    map.insert_missing("a".into(), || 9i64.into());
    map.insert_missing("c".into(), || 4i64.into());
    assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(map.to_json(), r#"{"a":2,"b":3,"c":4}"#);
    assert!(map.contains_key("c"));
    assert_eq!(map.remove("a"), Some(2i64.into()));
    assert_eq!(map.len(), 2);
    *map.get_mut("c").unwrap() = "x".into();
    assert_eq!(map["c"], "x");
    assert_eq!(map["missing"], Value::Null);
    let collected: json::Map = [("z".to_owned(), Value::Null), ("y".to_owned(), true.into())]
        .into_iter()
        .collect();
    assert_eq!(collected.to_json(), r#"{"y":true,"z":null}"#);
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    open_id: &'a str,
    expires_at: i64,
    small: i8,
    unsigned: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    kept_null: Option<u32>,
    scopes: &'a [String],
    kind: Kind,
    newtype: Wrapped,
    tuple: (u8, &'a str, Option<bool>),
    map: BTreeMap<String, Vec<i32>>,
    numbered: BTreeMap<u32, bool>,
    letter: char,
    unit: (),
    variant: Shape,
    nested: Option<Box<View<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Kind {
    TokensNotSaved,
}

#[derive(Serialize)]
struct Wrapped(String);

#[derive(Serialize)]
enum Shape {
    Circle(u32),
    Pair(u8, u8),
    Rect { w: u8, h: u8 },
}

#[test]
fn serialised_structs_are_written_as_serde_json_writes_them() {
    let scopes = vec!["a\"b".to_owned(), "é\n".to_owned()];
    for (variant, nested) in [
        (Shape::Circle(3), None),
        (Shape::Pair(1, 2), None),
        (Shape::Rect { w: 1, h: 2 }, Some(())),
    ] {
        let view = View {
            open_id: "o\u{1}",
            expires_at: i64::MIN,
            small: -3,
            unsigned: u64::MAX,
            skipped: None,
            kept_null: None,
            scopes: &scopes,
            kind: Kind::TokensNotSaved,
            newtype: Wrapped("w".into()),
            tuple: (7, "t", Some(false)),
            map: [("k".to_owned(), vec![1, -2]), ("e".to_owned(), vec![])]
                .into_iter()
                .collect(),
            numbered: [(10, true), (2, false)].into_iter().collect(),
            letter: '"',
            unit: (),
            variant,
            nested: nested.map(|()| {
                Box::new(View {
                    open_id: "inner",
                    expires_at: 0,
                    small: 0,
                    unsigned: 0,
                    skipped: Some("s".into()),
                    kept_null: Some(1),
                    scopes: &[],
                    kind: Kind::TokensNotSaved,
                    newtype: Wrapped(String::new()),
                    tuple: (0, "", None),
                    map: BTreeMap::new(),
                    numbered: BTreeMap::new(),
                    letter: 'x',
                    unit: (),
                    variant: Shape::Circle(0),
                    nested: None,
                })
            }),
        };
        let theirs = serde_json::to_string(&view).unwrap();
        assert_eq!(json::to_string(&view).unwrap(), theirs);
        assert_eq!(
            json::to_value(&view).unwrap().to_json(),
            serde_json::to_value(&view).unwrap().to_string()
        );
    }
    // No type of the crate holds a float: the writer refuses one rather than carry float code.
    assert!(json::to_string(&1.5f64).is_err());
}

// The code-0 fast path as it was written over serde_json (a visitor that reads `code` and skips
// everything else), kept here as the reference the crate's scan is checked against.

struct Head(bool);
struct HeadVisitor;
struct KeyVisitor;
struct CodeVisitor;

fn serde_head(text: &str) -> bool {
    let is_object = text.bytes().find(|b| !b.is_ascii_whitespace()) == Some(b'{');
    is_object && serde_json::from_str::<Head>(text).is_ok_and(|head| head.0)
}

fn not_head<E: serde::de::Error>() -> E {
    E::custom("not an envelope")
}

impl<'de> serde::Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Head, D::Error> {
        deserializer.deserialize_any(HeadVisitor)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyVisitor {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for CodeVisitor {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for HeadVisitor {
    type Value = Head;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an envelope")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut code = None;
        while let Some(is_code) = map.next_key_seed(KeyVisitor)? {
            if !is_code {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else if code.is_some() {
                return Err(not_head());
            } else {
                code = Some(map.next_value_seed(CodeVisitor)?);
            }
        }
        Ok(Head(code == Some(true)))
    }
}

impl<'de> serde::de::Visitor<'de> for KeyVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == "code")
    }
}

impl<'de> serde::de::Visitor<'de> for CodeVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a code")
    }
    fn visit_i64<E: serde::de::Error>(self, code: i64) -> Result<bool, E> {
        Ok(code == 0)
    }
    fn visit_u64<E: serde::de::Error>(self, code: u64) -> Result<bool, E> {
        Ok(code == 0)
    }
}

#[test]
fn code_zero_fast_path_corpus() {
    for body in [
        r#"{"code":0}"#,
        r#" {"code":0} "#,
        r#"{"code":0,"data":{"x":[1,2,{"y":null}]},"message":"ok"}"#,
        r#"{"message":"ok","code":0}"#,
        r#"{"code":0,"code":0}"#,
        r#"{"code":1,"code":0}"#,
        r#"{"code":-0}"#,
        r#"{"code":0.0}"#,
        r#"{"code":0e1}"#,
        r#"{"code":00}"#,
        r#"{"code":"0"}"#,
        r#"{"code":0,}"#,
        r#"{"code":0}x"#,
        r#"{"code":0"#,
        r#"{"data":1e400,"code":0}"#,
        r#"{"data":"\ud800","code":0}"#,
        r#"{"\ud800":1,"code":0}"#,
        r#"{"data":"\u12","code":0}"#,
        r#"{"data":"a	b","code":0}"#,
        r#"{"data":[1,],"code":0}"#,
        r#"{"data":{"a" 1},"code":0}"#,
        r#"{"data":{},"code":0,"x":[]}"#,
        r#"{"c\u006fde":0}"#,
        r#"[{"code":0}]"#,
        "{\"code\":0}\u{0}",
        "",
        "{",
    ] {
        assert_eq!(code_is_zero(body), serde_head(body), "{body}");
    }
}

/// What `parse_envelope` said of a body that is not JSON when serde_json read it: truncated or
/// not, and where.
fn serde_detail(body: &[u8]) -> Option<(MalformedKind, String)> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first == b'<' {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let error = serde_json::from_str::<serde_json::Value>(&text).err()?;
    let (kind, what) = if error.is_eof() {
        (MalformedKind::TruncatedJson, "ends")
    } else {
        (MalformedKind::NotJson, "invalid")
    };
    Some((
        kind,
        format!("{what} at line {} column {}", error.line(), error.column()),
    ))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn truncated_and_invalid_bodies_are_told_apart_where_serde_json_told_them(
        value in arb_value(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..3,
        insert in arb_edit(),
        pretty in any::<bool>(),
        truncate in any::<bool>(),
    ) {
        let envelope = serde_json::json!({"code": 1, "message": "m", "data": value});
        let text = serde_text(&envelope, pretty);
        let body = if truncate {
            let bounds: Vec<usize> = (0..text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            text[..bounds[at.index(bounds.len())]].to_owned()
        } else {
            edited(&text, at, cut, &insert)
        };
        if let Some((kind, detail)) = serde_detail(body.as_bytes()) {
            match parse_envelope(200, body.as_bytes()) {
                Err(tiktok_shop_connect::Error::MalformedResponse { kind: k, detail: d, .. }) => {
                    prop_assert_eq!((k, d), (kind, detail), "{:?}", body);
                }
                other => prop_assert!(false, "{:?}: {:?}", body, other),
            }
        }
    }
}

/// Numbers compare as serde_json's do (found by `make fuzz`: a stored token set read back
/// through serde had `176000000.0` for `176000000e0`, and compared unequal).
#[test]
fn numbers_compare_by_value_as_serde_json_compares_them() {
    let texts = [
        "0",
        "1",
        "-1",
        "1.0",
        "1.00",
        "1e0",
        "10e-1",
        "176000000e0",
        "176000000.0",
        "-0",
        "-0.0",
        "0.5",
        "5e-1",
        "18446744073709551615",
        "-9223372036854775808",
        "1e300",
    ];
    for a in texts {
        for b in texts {
            let ours = json::from_str(a).unwrap() == json::from_str(b).unwrap();
            let theirs = serde_json::from_str::<serde_json::Value>(a).unwrap()
                == serde_json::from_str::<serde_json::Value>(b).unwrap();
            assert_eq!(ours, theirs, "{a} == {b}");
        }
    }
    // The text stays as it was read.
    assert_eq!(json::from_str("[1.0e2]").unwrap().to_json(), "[1.0e2]");
}
