//! Shared oracles of the fuzz targets: the input formats and the "no secret in an error" check.
//!
//! The secret check is a taint test. A value found under a secret key of the input
//! (`access_token`, `refresh_token`, `app_secret`, `auth_code`, and for redirects `code`), in
//! parsed JSON at any depth and of any type, or in text that does not parse after such a key as
//! a JSON member or a query parameter (`"access_token" :\n "…"`, `&app_secret=…`), is replaced
//! by a marker that occurs nowhere else in the input; the function runs again on that input,
//! and no text of its error may contain the marker (or the marker's first 6 characters, for a
//! value cut short by a snippet).

use serde_json::Value;

/// Keys whose values are secrets in token bodies, API answers and files.
pub const SECRET_KEYS: [&str; 4] = ["access_token", "refresh_token", "app_secret", "auth_code"];

/// How many characters of a marker must not appear in an error.
const MARKER_PREFIX: usize = 6;

/// `"<status>\n<body>"` → (status, body); any other input is a body answered with HTTP 200.
pub fn status_and_body(data: &[u8]) -> (u16, &[u8]) {
    if let Some(nl) = data.iter().take(6).position(|&b| b == b'\n') {
        let (head, rest) = data.split_at(nl);
        if let Some(status) = std::str::from_utf8(head)
            .ok()
            .and_then(|s| s.parse::<u16>().ok())
        {
            return (status, &rest[1..]);
        }
    }
    (200, data)
}

fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~')
}

fn is_numeric_text(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A candidate secret value: its text as it appears in the input.
fn usable(v: &str) -> bool {
    v.len() >= MARKER_PREFIX && v.chars().all(is_plain)
}

fn walk_secret_leaves(value: &Value, under_secret: bool, keys: &[&str], out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk_secret_leaves(v, under_secret || keys.contains(&k.as_str()), keys, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk_secret_leaves(v, under_secret, keys, out);
            }
        }
        Value::String(s) if under_secret => out.push(s.clone()),
        Value::Number(n) if under_secret => out.push(n.to_string()),
        _ => {}
    }
}

/// Every key and every leaf that is not under a secret key, as one text (to check a marker is
/// only where a secret was).
fn public_text(value: &Value, keys: &[&str], out: &mut String) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push('\u{0}');
                if !keys.contains(&k.as_str()) {
                    public_text(v, keys, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| public_text(v, keys, out)),
        Value::String(s) => {
            out.push_str(s);
            out.push('\u{0}');
        }
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push('\u{0}');
        }
        _ => {}
    }
}

/// Values that follow a secret key in the layouts of a body that does not parse (truncated
/// JSON, an HTML page quoting a URL): `"key"`, any whitespace (line breaks too), `:`, any
/// whitespace, then a double-quoted or bare value, where `"key"` opens an object member (after
/// `{`, `,` or at the start); or `key=value` in a query (after `?`, `&`, `;` or at the start).
fn textual_secret_values(text: &str, keys: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys {
        let mut from = 0;
        while let Some(at) = text.get(from..).and_then(|t| t.find(key)) {
            let start = from + at;
            from = start + key.len();
            let (head, rest) = (&text[..start], &text[from..]);
            let value = if let (Some(head), Some(rest)) =
                (head.strip_suffix('"'), rest.strip_prefix('"'))
            {
                // A JSON member.
                let before = head.trim_end().chars().next_back();
                if !before.is_none_or(|c| matches!(c, '{' | ',')) {
                    continue;
                }
                let Some(rest) = rest.trim_start().strip_prefix(':') else {
                    continue;
                };
                let rest = rest.trim_start();
                rest.strip_prefix('"').unwrap_or(rest)
            } else {
                // A query parameter.
                let before = head.chars().next_back();
                if !before.is_none_or(|c| matches!(c, '?' | '&' | ';')) {
                    continue;
                }
                let Some(rest) = rest.strip_prefix('=') else {
                    continue;
                };
                rest
            };
            let end = value.find(|c: char| !is_plain(c)).unwrap_or(value.len());
            out.push(value[..end].to_owned());
        }
    }
    out
}

/// Makes a marker of `v`'s length and kind (digits for a number) that occurs nowhere in `text`
/// nor in `context`.
fn marker_for(v: &str, text: &str, context: &str) -> Option<String> {
    const LETTERS: &[u8] = b"QzXvKqJwZxVkQjWz";
    const DIGITS: &[u8] = b"9081726354";
    for salt in 0..8usize {
        let marker: String = if is_numeric_text(v) {
            let sign = if v.starts_with('-') { "-" } else { "" };
            let n = v.len() - sign.len();
            let digits: String = (0..n)
                .map(|i| char::from(DIGITS[(i + salt) % DIGITS.len()]))
                .map(|c| if c == '0' { '7' } else { c })
                .collect();
            format!("{sign}{digits}")
        } else {
            (0..v.len())
                .map(|i| char::from(LETTERS[(i * 3 + salt) % LETTERS.len()]))
                .collect()
        };
        let prefix = &marker[..MARKER_PREFIX.min(marker.len())];
        if !text.contains(prefix) && !context.contains(prefix) {
            return Some(marker);
        }
    }
    None
}

/// `input` with its one occurrence of `value` replaced by a marker of the same length and kind
/// that occurs nowhere in `input` nor `context`, and the marker; `None` when `value` is too short,
/// not plain text, or not in `input` exactly once.
pub fn taint(input: &str, value: &str, context: &str) -> Option<(String, String)> {
    if !usable(value) || input.matches(value).count() != 1 {
        return None;
    }
    let marker = marker_for(value, input, context)?;
    Some((input.replacen(value, &marker, 1), marker))
}

/// Whether `text` shows `marker` (or its first characters, as a snippet cut short would).
pub fn shows(text: &str, marker: &str) -> bool {
    text.contains(&marker[..MARKER_PREFIX.min(marker.len())])
}

/// Checks that `texts_of(input)` (the texts an error carries: Display, Debug, snippet) never
/// contain a value that `input` held under one of `keys`. `context` is the rest of what the
/// function is given (a marker is chosen outside it too). Panics with the leaked field if one
/// does.
pub fn assert_no_secret_in_errors(
    input: &str,
    context: &str,
    keys: &[&str],
    texts_of: impl Fn(&str) -> Vec<String>,
) {
    let parsed: Option<Value> = serde_json::from_str(input).ok();
    let mut candidates = textual_secret_values(input, keys);
    if let Some(value) = &parsed {
        walk_secret_leaves(value, false, keys, &mut candidates);
    }
    candidates.sort();
    candidates.dedup();
    for v in &candidates {
        // One occurrence only: it is the secret value itself, not also a public field.
        let Some((tainted, marker)) = taint(input, v, context) else {
            continue;
        };
        let prefix = &marker[..MARKER_PREFIX];
        if parsed.is_some() {
            // The replaced occurrence must have been a secret leaf: the marker is nowhere public.
            let Ok(value) = serde_json::from_str::<Value>(&tainted) else {
                continue;
            };
            let mut public = String::new();
            public_text(&value, keys, &mut public);
            if public.contains(prefix) {
                continue;
            }
        }
        for text in texts_of(&tainted) {
            assert!(
                !shows(&text, &marker),
                "a secret value ({v:?}, here replaced by {marker:?}) reaches an error: {text}\ninput: {tainted:?}"
            );
        }
    }
}

/// The texts of an error that leave the crate: Display and Debug (which carries the snippet).
pub fn error_texts<E: std::fmt::Display + std::fmt::Debug>(error: &E) -> Vec<String> {
    vec![error.to_string(), format!("{error:?}")]
}

/// The Debug of imported tokens without the unknown fields they keep: those are printed as they
/// came (a top-level `refresh_token` or a `data.app_secret` in a file would show), which the fuzz
/// run reports once rather than on every input.
pub fn tokens_debug(tokens: &tiktok_shop_connect::token::TokenSet) -> String {
    let mut known = tokens.clone();
    known.extra_data.clear();
    known.extra_envelope.clear();
    format!("{known:?}")
}
