//! Redaction by structure: response snippets never carry a token, whatever the layout of the
//! body (JSON of any shape and value type, truncated JSON, a query or form body, a header line,
//! HTML). Each shape as a test, and property tests over random layouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::error::{
    redact_values, scrub_secret_values, scrub_secrets, snippet, SNIPPET_CHARS,
};

const S: &str = "SENTINEL_TOKEN_Q7";

fn assert_hidden(body: &str) {
    let shown = snippet(body.as_bytes());
    assert!(!shown.contains("SENTINEL"), "{body:?} -> {shown:?}");
    assert!(!shown.contains("Q7"), "{body:?} -> {shown:?}");
    assert!(shown.chars().count() <= SNIPPET_CHARS + 1, "{shown:?}");
}

#[test]
fn json_bodies_are_scrubbed_by_structure() {
    for (body, expected) in [
        (
            format!(r#"{{"code":0,"data":{{"access_token":"{S}","open_id":"o"}}}}"#),
            r#"{"code":0,"data":{"access_token":"[redacted]","open_id":"o"}}"#.to_owned(),
        ),
        // Any layout: line breaks and spaces around the colon, CRLF, tabs.
        (
            format!("{{\n  \"access_token\":\n    \"{S}\"\r\n}}"),
            r#"{"access_token":"[redacted]"}"#.to_owned(),
        ),
        (
            "{ \"refresh_token\" \t: 123456789012345 }".to_owned(),
            r#"{"refresh_token":"[redacted]"}"#.to_owned(),
        ),
        // Any value type: numbers, booleans, objects, arrays.
        (
            r#"{"app_secret":1.5e10,"auth_code":true,"x":1}"#.to_owned(),
            r#"{"app_secret":"[redacted]","auth_code":"[redacted]","x":1}"#.to_owned(),
        ),
        (
            format!(r#"{{"data":{{"refresh_token":{{"value":"{S}","n":[1,2]}}}}}}"#),
            r#"{"data":{"refresh_token":"[redacted]"}}"#.to_owned(),
        ),
        (
            format!(r#"[{{"access_token":["{S}",{{"a":"{S}"}}]}}]"#),
            r#"[{"access_token":"[redacted]"}]"#.to_owned(),
        ),
        // Every secret key: *_token, *secret, code, sign, and the headers' names.
        (
            format!(
                r#"{{"sign":"{S}","code":"{S}","x_custom_token":"{S}","clientSecret":"{S}","x-tts-access-token":"{S}","password":"{S}"}}"#
            ),
            r#"{"clientSecret":"[redacted]","code":"[redacted]","password":"[redacted]","sign":"[redacted]","x-tts-access-token":"[redacted]","x_custom_token":"[redacted]"}"#.to_owned(),
        ),
        // Kept: null, an empty string, TikTok's numeric error code.
        (
            r#"{"code":36004001,"message":"expired","access_token":null,"refresh_token":""}"#
                .to_owned(),
            r#"{"access_token":null,"code":36004001,"message":"expired","refresh_token":""}"#
                .to_owned(),
        ),
        // A long numeric `code` is no error code.
        (
            r#"{"code":1234567890123}"#.to_owned(),
            r#"{"code":"[redacted]"}"#.to_owned(),
        ),
        // Messages that quote a query string or a JSON text.
        (
            format!(r#"{{"message":"GET /x?app_secret={S}&a=1"}}"#),
            r#"{"message":"GET /x?app_secret=[redacted]&a=1"}"#.to_owned(),
        ),
        (
            format!(r#"{{"message":"{{\"access_token\" : \"{S}\"}}"}}"#),
            r#"{"message":"{\"access_token\" : \"[redacted]\"}"}"#.to_owned(),
        ),
        // Escaped key names are read as their value; a repeated key keeps no earlier value.
        (
            format!(r#"{{"access\u005ftoken":"{S}"}}"#),
            r#"{"access_token":"[redacted]"}"#.to_owned(),
        ),
        (
            format!(r#"{{"access_token":"{S}","access_token":"x"}}"#),
            r#"{"access_token":"[redacted]"}"#.to_owned(),
        ),
    ] {
        assert_eq!(scrub_secrets(&body), expected, "{body}");
        assert_eq!(snippet(body.as_bytes()), expected, "{body}");
        assert_hidden(&body);
    }
}

#[test]
fn text_that_is_not_json_is_scrubbed_by_a_whitespace_tolerant_rule() {
    for (body, expected) in [
        // Truncated JSON, cut in the value, after a line break, in a number, an array, a string.
        (
            format!(r#"{{"code":0,"data":{{"access_token":"{S}"#),
            r#"{"code":0,"data":{"access_token":"[redacted]"#.to_owned(),
        ),
        (
            format!("{{\"data\":{{\"access_token\":\n  \"{S}\", \"x\":"),
            "{\"data\":{\"access_token\":\n  \"[redacted]\", \"x\":".to_owned(),
        ),
        (
            "{\"access_token\" : 123456789012".to_owned(),
            "{\"access_token\" : [redacted]".to_owned(),
        ),
        (
            format!("{{\"refresh_token\":[ \"{S}\", {{\"a\":"),
            "{\"refresh_token\":[redacted]".to_owned(),
        ),
        (
            format!("{{\"refresh_token\":{{\"v\":\"{S}\"}}, \"x\":1, \"y\":"),
            "{\"refresh_token\":[redacted], \"x\":1, \"y\":".to_owned(),
        ),
        (
            format!(r#"{{"message":"{{\"access_token\":\"{S}"#),
            r#"{"message":"{\"access_token\":\"[redacted]"#.to_owned(),
        ),
        (
            format!(r#"{{"message":"{{\"access_token\":\n\"{S}\"}}", "#),
            r#"{"message":"{\"access_token\":\n\"[redacted]\"}", "#.to_owned(),
        ),
        // Form-encoded bodies and query strings.
        (
            format!("access_token={S}&refresh_token={S}2&x=1"),
            "access_token=[redacted]&refresh_token=[redacted]&x=1".to_owned(),
        ),
        (
            format!("GET /api/v2/token/get?app_key=k&app_secret={S}&auth_code={S}&grant_type=authorized_code"),
            "GET /api/v2/token/get?app_key=k&app_secret=[redacted]&auth_code=[redacted]&grant_type=authorized_code".to_owned(),
        ),
        (
            format!("/cb?code={S}&state=s"),
            "/cb?code=[redacted]&state=s".to_owned(),
        ),
        // Header lines, a bearer value, YAML-like and single-quoted dumps.
        (
            format!("x-tts-access-token: {S}\r\nDate: x"),
            "x-tts-access-token: [redacted]\r\nDate: x".to_owned(),
        ),
        (
            format!("access_token: Bearer {S}; x"),
            "access_token: [redacted]; x".to_owned(),
        ),
        (
            format!("access_token:\n  {S}\nnext: 1"),
            "access_token:\n  [redacted]\nnext: 1".to_owned(),
        ),
        (
            format!("{{'access_token': '{S}', 'x': 1"),
            "{'access_token': '[redacted]', 'x': 1".to_owned(),
        ),
        // JSON escaped into HTML.
        (
            format!("<pre>{{&quot;access_token&quot;:&quot;{S}&quot;}}</pre>"),
            "<pre>{&quot;access_token&quot;:&quot;[redacted]&quot;}</pre>".to_owned(),
        ),
        (
            format!("<p>upstream failed for GET /token/refresh?app_secret={S}&amp;refresh_token={S}</p>"),
            "<p>upstream failed for GET /token/refresh?app_secret=[redacted]&amp;refresh_token=[redacted]</p>".to_owned(),
        ),
    ] {
        assert_eq!(scrub_secrets(&body), expected, "{body}");
        assert_eq!(scrub_secret_values(&body), expected, "{body}");
        assert_hidden(&body);
    }
}

#[test]
fn words_that_are_not_keys_are_left_alone() {
    for text in [
        r#"{"grant_type":"refresh_token","message":"the access_token is invalid"}"#,
        "grant_type=refresh_token&x=1",
        r#"{"code":0,"message":"success"}"#,
        "token",
        "access_token=",
        "access_token=&x=1",
    ] {
        assert_eq!(scrub_secret_values(text), text);
    }
    assert_eq!(
        scrub_secrets(r#"{"code":-1,"message":"token expired"}"#),
        r#"{"code":-1,"message":"token expired"}"#
    );
}

#[test]
fn long_and_deep_bodies() {
    // Nested deeper than the JSON parser goes: the text rule still finds the value.
    let deep = format!(
        "{}{{\"access_token\":\"{S}\"}}{}",
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(!scrub_secrets(&deep).contains(S));
    assert!(scrub_secrets(&deep).contains(r#"{"access_token":"[redacted]"}"#));
    assert_hidden(&deep);
    // A value cut by the 4 KB window is blanked to the window's end.
    let at_window = format!(
        r#"{{"pad":"{}","access_token":"{}"}}"#,
        "p".repeat(4070),
        S.repeat(10)
    );
    let shown = snippet(at_window.as_bytes());
    assert!(!shown.contains("SENTINEL"), "{shown}");
    assert!(shown.ends_with('…'), "{shown}");
    assert_eq!(
        scrub_secret_values(&at_window[..4096]),
        format!(
            r#"{{"pad":"{}","access_token":"[redacted]"#,
            "p".repeat(4070)
        )
    );
    // Secret values early in a long body: blanked, and the snippet stays short.
    let long = format!(
        "{{\"access_token\":\"{S}\",\"list\":[{}]}}",
        "1,".repeat(5000) + "1"
    );
    let shown = snippet(long.as_bytes());
    assert!(
        shown.starts_with(r#"{"access_token":"[redacted]","list":[1,1,"#),
        "{shown}"
    );
    assert_eq!(shown.chars().count(), SNIPPET_CHARS + 1);
    // Invalid UTF-8 around a secret.
    let mut bytes = b"\xff{\"access_token\":\"".to_vec();
    bytes.extend_from_slice(S.as_bytes());
    bytes.extend_from_slice(b"\xfe\"}");
    let shown = snippet(&bytes);
    assert!(!shown.contains("SENTINEL"), "{shown}");
    // The client's own values are still redacted wherever they are.
    assert_eq!(
        redact_values(&format!(r#"{{"shop":"{S}"}}"#), &[S]),
        r#"{"shop":"[redacted]"}"#
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A JSON value, rendered token by token so that the layout can vary.
    #[derive(Debug, Clone)]
    enum J {
        /// A token written as is (numbers, `true`, `null`).
        Raw(String),
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    fn tokens(j: &J, out: &mut Vec<String>) {
        match j {
            J::Raw(t) => out.push(t.clone()),
            J::Str(s) => out.push(format!("\"{s}\"")),
            J::Arr(items) => {
                out.push("[".into());
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(",".into());
                    }
                    tokens(item, out);
                }
                out.push("]".into());
            }
            J::Obj(pairs) => {
                out.push("{".into());
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(",".into());
                    }
                    out.push(format!("\"{k}\""));
                    out.push(":".into());
                    tokens(v, out);
                }
                out.push("}".into());
            }
        }
    }

    /// Noise: lowercase keys that name no secret, lowercase strings, numbers under 100.
    fn noise() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            "[a-z ]{0,8}".prop_map(J::Str),
            (0u32..100).prop_map(|n| J::Raw(n.to_string())),
            prop::sample::select(vec!["true", "false", "null"]).prop_map(|t| J::Raw(t.into())),
        ];
        leaf.prop_recursive(3, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(J::Arr),
                prop::collection::vec((noise_key(), inner), 0..3).prop_map(J::Obj),
            ]
        })
    }

    fn noise_key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "data",
            "message",
            "x",
            "list",
            "shop",
            "open_id",
            "request_id",
            "name",
            "expire_in",
        ])
        .prop_map(str::to_owned)
    }

    fn secret_key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "access_token",
            "refresh_token",
            "app_secret",
            "auth_code",
            "code",
            "sign",
            "x_custom_token",
            "client_secret",
            "x-tts-access-token",
        ])
        .prop_map(str::to_owned)
    }

    /// A secret: uppercase letters and digits (nothing else generated has an uppercase letter).
    fn secret_string() -> impl Strategy<Value = String> + Clone {
        "[A-Z][A-Z0-9]{5,20}"
    }

    /// A secret value of any type: a string, a long number (no noise number has 4 digits),
    /// an array or an object holding secrets.
    fn secret_value(numeric: bool) -> BoxedStrategy<J> {
        let string = secret_string().prop_map(J::Str);
        let mut shapes = vec![
            string.clone().boxed(),
            prop::collection::vec(secret_string().prop_map(J::Str), 1..3)
                .prop_map(J::Arr)
                .boxed(),
            (noise_key(), string.clone(), noise())
                .prop_map(|(k, v, n)| J::Obj(vec![(k, v), ("n".into(), n)]))
                .boxed(),
            string
                .prop_map(|v| J::Arr(vec![J::Arr(vec![J::Obj(vec![("v".into(), v)])])]))
                .boxed(),
        ];
        if numeric {
            shapes.push("[1-9][0-9]{12,18}".prop_map(J::Raw).boxed());
        }
        prop::strategy::Union::new(shapes).boxed()
    }

    /// One `"secret_key": secret` pair placed among noise, nested in up to four objects or arrays.
    fn placed() -> impl Strategy<Value = J> {
        let level = (
            any::<bool>(),
            prop::collection::vec((noise_key(), noise()), 0..3),
            prop::collection::vec((noise_key(), noise()), 0..3),
            noise_key(),
        );
        (
            secret_key().prop_flat_map(|k| {
                // `code` keeps short integers: its secrets here are strings (as auth codes are).
                let numeric = k != "code";
                (Just(k), secret_value(numeric))
            }),
            prop::collection::vec((noise_key(), noise()), 0..3),
            prop::collection::vec((noise_key(), noise()), 0..3),
            prop::collection::vec(level, 0..4),
        )
            .prop_map(|((key, value), before, after, levels)| {
                let mut pairs = before;
                pairs.push((key, value));
                pairs.extend(after);
                let mut j = J::Obj(pairs);
                for (is_object, before, after, key) in levels {
                    j = if is_object {
                        let mut pairs = before;
                        pairs.push((key, j));
                        pairs.extend(after);
                        J::Obj(pairs)
                    } else {
                        let mut items: Vec<J> = before.into_iter().map(|(_, v)| v).collect();
                        items.push(j);
                        items.extend(after.into_iter().map(|(_, v)| v));
                        J::Arr(items)
                    };
                }
                j
            })
    }

    /// The body in some layout: whitespace of any kind between tokens, then maybe quoted inside
    /// a JSON string, maybe cut short anywhere.
    fn body() -> impl Strategy<Value = String> {
        let space = prop::sample::select(vec!["", "", " ", "\n", "\t", "\r\n", "  \n    ", " \t"]);
        (
            placed(),
            prop::collection::vec(space, 1..16),
            0u8..4,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(j, spaces, form, cut)| {
                let mut toks = Vec::new();
                tokens(&j, &mut toks);
                let mut text = String::new();
                for (i, tok) in toks.iter().enumerate() {
                    text.push_str(spaces[i % spaces.len()]);
                    text.push_str(tok);
                }
                let text = match form {
                    // Quoted inside a message, as an error page or a log line would be.
                    1 | 3 => format!("{{\"message\":{}}}", serde_json::to_string(&text).unwrap()),
                    _ => text,
                };
                if form >= 2 {
                    let end = cut.index(text.len() + 1);
                    text[..end].to_owned()
                } else {
                    text
                }
            })
    }

    /// Whether a secret (or a piece of one) survived: an uppercase letter, or four digits in a
    /// row (noise numbers are under 100).
    fn leaks(text: &str) -> bool {
        let mut digits = 0;
        for c in text.chars() {
            if c.is_ascii_uppercase() {
                return true;
            }
            digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
            if digits >= 4 {
                return true;
            }
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn a_secret_under_a_secret_key_never_survives(body in body()) {
            let shown = snippet(body.as_bytes());
            prop_assert!(!leaks(&shown), "{body:?}\n-> {shown:?}");
            prop_assert!(shown.chars().count() <= SNIPPET_CHARS + 1);
            let whole = scrub_secrets(&body);
            prop_assert!(!leaks(&whole), "{body:?}\n-> {whole:?}");
            let by_text = scrub_secret_values(&body);
            prop_assert!(!leaks(&by_text), "{body:?}\n-> {by_text:?}");
        }

        #[test]
        fn a_secret_in_a_form_body_never_survives(
            before in prop::collection::vec(("[a-z_]{1,8}", "[a-z0-9]{0,3}"), 0..4),
            key in secret_key(),
            secret in secret_string(),
            after in prop::collection::vec(("[a-z_]{1,8}", "[a-z0-9]{0,3}"), 0..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut pairs: Vec<String> = before.iter().map(|(k, v)| format!("{k}={v}")).collect();
            pairs.push(format!("{key}={secret}"));
            pairs.extend(after.iter().map(|(k, v)| format!("{k}={v}")));
            let body = pairs.join("&");
            let body = &body[..cut.index(body.len() + 1)];
            let shown = snippet(body.as_bytes());
            prop_assert!(!shown.chars().any(|c| c.is_ascii_uppercase()), "{body:?} -> {shown:?}");
        }

        #[test]
        fn scrubbing_never_panics(text in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = snippet(text.as_bytes());
            let _ = snippet(&bytes);
            let _ = scrub_secret_values(&text);
            let _ = scrub_secrets(&String::from_utf8_lossy(&bytes));
        }
    }
}

#[test]
fn control_characters_and_unicode_spaces_around_the_separator_hide_nothing() {
    // Found by `make fuzz`: these used to stop the scrubber before the value.
    for sep in [
        "\u{b}:",
        ":\u{0}",
        "\u{a0}:",
        ":\u{2028}",
        "\u{1f}:\u{85}",
        ":\u{3000}",
    ] {
        let body =
            format!("{{\"code\":0,\"data\":{{\"access_token\"{sep}\"ROW_secret_value_1234\"");
        let snippet = tiktok_shop_connect::error::snippet(body.as_bytes());
        assert!(
            !snippet.contains("ROW_secret_value_1234"),
            "{sep:?}: {snippet}"
        );
        let scrubbed = tiktok_shop_connect::error::scrub_secret_values(&body);
        assert!(
            !scrubbed.contains("ROW_secret_value_1234"),
            "{sep:?}: {scrubbed}"
        );
    }
}
