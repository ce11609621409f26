//! Redaction: known secret values and secret-bearing fields blanked from any text an error
//! carries, and the secret-free snippet of a response body.

/// Replaces every occurrence of each non-empty value in `secrets` (and of its percent-encoded
/// form) with `[redacted]`.
pub fn redact_values(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if let Some(replaced) = crate::text::replace(&out, secret, "[redacted]") {
            out = replaced;
        }
        let encoded = crate::http::encode_component(secret);
        if encoded != *secret {
            if let Some(replaced) = crate::text::replace(&out, &encoded, "[redacted]") {
                out = replaced;
            }
        }
    }
    out
}

/// Whether a key names a secret: anything with "token", "secret" or "password" in it
/// (`access_token`, `refresh_token`, `x-tts-access-token`, `app_secret`, `appSecret`, …),
/// `auth_code`, `code` (the authorization code in a redirect) and `sign`. Deliberately broad:
/// blanking an expiry in an error snippet costs nothing.
fn is_secret_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    crate::text::contains(&lower, "token")
        || crate::text::contains(&lower, "secret")
        || crate::text::contains(&lower, "password")
        || matches!(
            lower.as_str(),
            "auth_code" | "auth-code" | "authcode" | "code" | "sign"
        )
}

/// A value left as it is under a secret key: `null`, and under `code` an integer of at most 12
/// digits (TikTok's error code, which is no secret and which an error snippet is for; an
/// authorization code is a long string).
fn is_kept_value(key: &str, value: &str) -> bool {
    if value == "null" {
        return true;
    }
    let digits = value.strip_prefix('-').unwrap_or(value);
    key.eq_ignore_ascii_case("code")
        && (1..=12).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// What replaces a secret value.
const REDACTED: &str = "[redacted]";

/// How many characters of a body an error keeps.
pub const SNIPPET_CHARS: usize = 160;

/// How many bytes of a body [`snippet`] reads.
const SNIPPET_WINDOW_BYTES: usize = 4096;

/// The start of a response body for an error message: at most [`SNIPPET_CHARS`] characters,
/// lossily decoded, control characters turned into spaces, and every secret value blanked by
/// [`scrub_secrets`] first (from the first 4 KB of the body: structurally when that is JSON,
/// by the whitespace-tolerant text rule when it is not — truncated JSON, HTML, a query string).
pub fn snippet(body: &[u8]) -> String {
    // Scrub a bounded prefix first, then cut: a key near the end of the window still gets its
    // value blanked. `from_utf8_lossy` never fails; `get(..n)` never panics.
    let window = body
        .get(..body.len().min(SNIPPET_WINDOW_BYTES))
        .unwrap_or(body);
    let text = String::from_utf8_lossy(window);
    let scrubbed = scrub_secrets(&text);
    let kept = crate::text::first_chars(&scrubbed, SNIPPET_CHARS);
    let mut out = String::with_capacity(kept.len() + 3);
    for c in kept.chars() {
        out.push(if c.is_control() { ' ' } else { c });
    }
    if scrubbed.chars().count() > SNIPPET_CHARS || body.len() > window.len() {
        out.push('…');
    }
    out
}

/// Blanks every secret value in a body. When `text` parses as JSON, by its structure: the value
/// of every secret-bearing key at any depth becomes `"[redacted]"` whatever its type (string,
/// number, boolean, object, array; `null` and a short numeric `code` are kept), every other
/// string goes through [`scrub_secret_values`] (a message that quotes a query string or a JSON
/// text), and the result is written back compactly (keys in sorted order). Otherwise, by
/// [`scrub_secret_values`] alone.
pub fn scrub_secrets(text: &str) -> String {
    match crate::json::from_str(text) {
        Ok(mut value) => {
            scrub_json(&mut value);
            value.to_json()
        }
        Err(_) => scrub_secret_values(text),
    }
}

/// `value` as compact JSON text with the values of secret-bearing keys blanked, as in error
/// snippets: what `{:?}` of a [`crate::json::Value`] or [`crate::json::Map`] shows.
pub(crate) fn scrubbed_json(value: &crate::json::Value) -> String {
    let mut value = value.clone();
    scrub_json(&mut value);
    value.to_json()
}

/// Blanks, in place, the values of secret-bearing keys and secret values quoted inside strings.
/// Recursion is bounded by the parser's nesting limit (128).
fn scrub_json(value: &mut crate::json::Value) {
    use crate::json::Value;
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if !is_secret_key(key) {
                    scrub_json(item);
                    continue;
                }
                let kept = match item {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Number(n) => is_kept_value(key, n.as_str()),
                    _ => false,
                };
                if !kept {
                    *item = Value::String(REDACTED.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_json),
        Value::String(s) => *s = scrub_secret_values(s),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Blanks the value that follows each secret-bearing key in any text — JSON whole, truncated or
/// quoted inside a string (`\"access_token\":\"…\"`), a query or form body (`app_secret=…&`), a
/// header line (`x-tts-access-token: …`) — tolerating any whitespace, line breaks included,
/// around the `:` or `=`. A quoted value is blanked up to its closing quote, an object or array
/// up to its closing bracket, anything else up to the next space, `&`, `,`, `;`, bracket or
/// quote; `Bearer`/`Basic` take the word after them along. When the text ends first (a body cut
/// short), everything to the end is blanked. Never panics.
pub fn scrub_secret_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).copied().is_some_and(is_word) {
            i += 1;
            continue;
        }
        let word_start = i;
        while bytes.get(i).copied().is_some_and(is_word) {
            i += 1;
        }
        // Word boundaries are ASCII bytes or the string's ends: char boundaries.
        let word = text.get(word_start..i).unwrap_or("");
        if !is_secret_key(word) {
            continue;
        }
        let Some((start, end)) = secret_value_span(bytes, i) else {
            continue;
        };
        if is_kept_value(word, text.get(start..end).unwrap_or("")) {
            i = end;
            continue;
        }
        out.push_str(text.get(copied..start).unwrap_or(""));
        out.push_str(REDACTED);
        copied = end;
        i = end.max(i);
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    out
}

/// Where the value of a key that ends at `after_key` starts and ends (byte offsets), if the key
/// is followed by `:` or `=` and a value. Offsets are always at ASCII bytes or the end.
fn secret_value_span(bytes: &[u8], after_key: usize) -> Option<(usize, usize)> {
    let mut j = after_key;
    // The key's closing quote (plain, escaped or an HTML entity) and any whitespace (plain or
    // escaped) before the separator.
    loop {
        let rest = bytes.get(j..).unwrap_or(&[]);
        let skip = if rest.first().is_some_and(|b| matches!(b, b'"' | b'\'')) {
            1
        } else {
            space_len(rest)
                .max(entity_quote_len(rest))
                .max(usize::from(rest.first() == Some(&b'\\')))
        };
        if skip == 0 {
            break;
        }
        j += skip;
    }
    if !matches!(bytes.get(j), Some(b':' | b'=')) {
        return None;
    }
    j += 1;
    loop {
        let rest = bytes.get(j..).unwrap_or(&[]);
        let skip = space_len(rest);
        if skip == 0 {
            break;
        }
        j += skip;
    }
    let entity = entity_quote_len(bytes.get(j..).unwrap_or(&[]));
    if entity > 0 {
        // `&quot;…&quot;`: the value ends at the next `&`.
        let start = j + entity;
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|b| *b == b'&'))
            .map_or(bytes.len(), |p| start + p);
        return Some((start, end));
    }
    // A quote, possibly escaped (`\"` inside a JSON string, `\\\"` one level deeper).
    let mut k = j;
    while bytes.get(k) == Some(&b'\\') {
        k += 1;
    }
    match bytes.get(k).copied() {
        None => None,
        Some(quote @ (b'"' | b'\'')) => {
            let start = k + 1;
            let end = if k == j {
                closing_quote(bytes, start, quote)
            } else {
                // An escaped quote closes at the next quote; its backslashes stay outside.
                let close = bytes
                    .get(start..)
                    .and_then(|rest| rest.iter().position(|b| *b == quote))
                    .map_or(bytes.len(), |p| start + p);
                let mut end = close;
                while end > start && bytes.get(end - 1) == Some(&b'\\') {
                    end -= 1;
                }
                end
            };
            Some((start, end))
        }
        Some(b'{' | b'[') if k == j => Some((j, closing_bracket(bytes, j))),
        Some(_) if k == j => {
            let end = bare_value_end(bytes, j);
            let word = bytes.get(j..end).unwrap_or(&[]);
            if word.eq_ignore_ascii_case(b"bearer") || word.eq_ignore_ascii_case(b"basic") {
                let mut next = end;
                while bytes.get(next) == Some(&b' ') {
                    next += 1;
                }
                return Some((j, bare_value_end(bytes, next).max(end)));
            }
            (end > j).then_some((j, end))
        }
        Some(_) => None,
    }
}

/// The length of what counts as space at the start of `rest`: ASCII whitespace or any control
/// character, Unicode whitespace (no-break space, line separator, …), or an escaped line break or
/// tab; 0 if none. (Found by `make fuzz`: a vertical tab or a no-break space between a key and its
/// value used to hide the value from the scrubber.)
fn space_len(rest: &[u8]) -> usize {
    match rest.first() {
        None => 0,
        Some(b) if b.is_ascii_whitespace() || b.is_ascii_control() => 1,
        Some(b) if b.is_ascii() => escaped_space_len(rest),
        Some(_) => {
            let head = rest.get(..rest.len().min(4)).unwrap_or(&[]);
            let text = match std::str::from_utf8(head) {
                Ok(text) => text,
                Err(e) => {
                    std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or("")
                }
            };
            text.chars()
                .next()
                .filter(|c| c.is_whitespace() || c.is_control())
                .map_or(0, char::len_utf8)
        }
    }
}

/// The length of an escaped line break or tab at the start of `rest` (`\n`, `\r`, `\t` as
/// written inside a JSON string), or 0.
fn escaped_space_len(rest: &[u8]) -> usize {
    match rest {
        [b'\\', b'n' | b'r' | b't', ..] => 2,
        _ => 0,
    }
}

/// The length of an HTML-escaped quote at the start of `rest` (`&quot;`, `&#34;`, `&#39;`), or 0.
fn entity_quote_len(rest: &[u8]) -> usize {
    [&b"&quot;"[..], b"&#34;", b"&#39;", b"&apos;"]
        .iter()
        .find(|entity| {
            rest.get(..entity.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(entity))
        })
        .map_or(0, |entity| entity.len())
}

/// The end of an unquoted value: the next whitespace, `&`, `,`, `;`, bracket, `<`, `>`, quote or
/// backslash, or the end of the text.
fn bare_value_end(bytes: &[u8], start: usize) -> usize {
    bytes
        .get(start..)
        .and_then(|rest| {
            rest.iter().position(|b| {
                b.is_ascii_whitespace()
                    || matches!(
                        b,
                        b'&' | b','
                            | b';'
                            | b'}'
                            | b']'
                            | b')'
                            | b'<'
                            | b'>'
                            | b'"'
                            | b'\''
                            | b'\\'
                    )
            })
        })
        .map_or(bytes.len(), |p| start + p)
}

/// The offset of the quote that closes a string starting at `start` (backslash escapes
/// skipped), or the end of the text.
fn closing_quote(bytes: &[u8], start: usize, quote: u8) -> usize {
    let mut escaped = false;
    for (offset, b) in bytes.iter().enumerate().skip(start) {
        if escaped {
            escaped = false;
        } else if *b == b'\\' {
            escaped = true;
        } else if *b == quote {
            return offset;
        }
    }
    bytes.len()
}

/// The offset just past the bracket that closes the object or array opening at `start` (strings
/// skipped), or the end of the text.
fn closing_bracket(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if *b == b'\\' {
                escaped = true;
            } else if *b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return offset + 1;
                }
            }
            _ => {}
        }
    }
    bytes.len()
}
