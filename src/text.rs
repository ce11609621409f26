//! Small text helpers in place of the standard library's substring search, checked `str`
//! slicing and `{:?}` quoting. Each of those pulls kilobytes of machinery into the wasm module
//! (the Two-Way searcher, the panic path of a slice that misses a character boundary, and the
//! Unicode tables of `char::escape_debug`) for the few short texts the crate searches or quotes:
//! error messages, URLs, header values.

use std::fmt;

/// The byte position of the first `needle` in `haystack`. A plain scan: the texts are short
/// (keys, messages, URLs). A match always starts at a character boundary, since `needle` is
/// UTF-8 and so cannot start with a continuation byte.
pub(crate) fn find(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The value of a text made of ASCII digits only (at least one), when it fits in `u64`: the
/// crate's one reader of decimal numbers (`str::parse` brings its own per integer type, each a
/// few hundred bytes).
pub(crate) fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0u64, |acc, b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// The first `n` characters of `text` (all of it when it has fewer), borrowed: no `String`
/// collected from a character iterator.
pub(crate) fn first_chars(text: &str, n: usize) -> &str {
    let end = text.char_indices().nth(n).map_or(text.len(), |(at, _)| at);
    text.get(..end).unwrap_or(text)
}

/// Whether `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `haystack` with every `needle` (left to right, not overlapping) replaced by `with`, as
/// `str::replace` does; `None` when there is none (nothing to copy).
pub(crate) fn replace(haystack: &str, needle: &str, with: &str) -> Option<String> {
    if needle.is_empty() {
        return None;
    }
    let mut at = find(haystack, needle)?;
    let mut out = String::with_capacity(haystack.len());
    let mut rest = haystack;
    loop {
        let (before, after) = split_at(rest, at);
        out.push_str(before);
        out.push_str(with);
        rest = after.get(needle.len()..).unwrap_or("");
        match find(rest, needle) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.push_str(rest);
    Some(out)
}

/// `text` split around the first `separator`, as `str::split_once` does.
pub(crate) fn split_once<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let at = find(text, separator)?;
    let (before, rest) = text.split_at_checked(at)?;
    Some((before, rest.get(separator.len()..)?))
}

/// `text` split at byte `at`, a position found in it (so a character boundary). Unlike
/// `str::split_at`, no panic path: a position that is not a boundary gives the whole text and
/// an empty rest.
pub(crate) fn split_at(text: &str, at: usize) -> (&str, &str) {
    text.split_at_checked(at).unwrap_or((text, ""))
}

/// `bytes` as lower-case hexadecimal: signatures, lease tokens, JSON's `\u00..` escapes.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |n: u8| char::from(DIGITS.get(usize::from(n & 15)).copied().unwrap_or(b'0'));
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(*b));
    }
    out
}

/// A text in double quotes for an error message, with `"` and `\` escaped and control
/// characters written as `\n`, `\r`, `\t`, `\0` or `\u{..}`: what `{:?}` shows for the ASCII a
/// message quotes. Characters that are invisible or change the text's direction
/// ([`is_hidden`]: Unicode spaces, zero-width and bidi controls, variation selectors, tags,
/// combining diacritics) are written as `\u{..}` too, as `{:?}` writes them, so that a quoted
/// header or origin cannot hide or reorder what a log shows. Other characters are written as
/// they are (`{:?}` also escapes a few more, such as unassigned code points: its tables cost
/// kilobytes of the module).
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        let mut plain_from = 0;
        for (at, c) in self.0.char_indices() {
            let escape: &str = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                c if c.is_control() || is_hidden(c) => "",
                _ => continue,
            };
            f.write_str(self.0.get(plain_from..at).unwrap_or(""))?;
            if escape.is_empty() {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                f.write_str(escape)?;
            }
            plain_from = at + c.len_utf8();
        }
        f.write_str(self.0.get(plain_from..).unwrap_or(""))?;
        f.write_str("\"")
    }
}

/// Whether `c` is one of the non-ASCII characters a reader cannot see, or that reorders the
/// text around it, which `{:?}` escapes (see [`Quoted`]).
fn is_hidden(c: char) -> bool {
    matches!(
        u32::from(c),
        0xA0 | 0xAD
            | 0x300..=0x36F
            | 0x61C
            | 0x1680
            | 0x180E
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x206F
            | 0x3000
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFF0..=0xFFFB
            | 0xE0000..=0xE007F
            | 0xE0100..=0xE01EF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_matches_the_standard_library() {
        let cases = [
            ("access_token", "token"),
            ("", "a"),
            ("abc", ""),
            ("aaab", "aab"),
            ("héllo wörld", "wö"),
            ("héllo", "llo"),
            ("x://y", "://"),
            ("short", "longer than it"),
            ("tok tok tok", "tok"),
            ("aaaa", "aa"),
            ("token=abc&x=abc", "abc"),
        ];
        for (haystack, needle) in cases {
            assert_eq!(
                find(haystack, needle),
                haystack.find(needle),
                "{haystack} {needle}"
            );
            let replaced = replace(haystack, needle, "[r]");
            if needle.is_empty() || !haystack.contains(needle) {
                assert_eq!(replaced, None);
            } else {
                assert_eq!(
                    replaced.as_deref(),
                    Some(haystack.replace(needle, "[r]").as_str())
                );
            }
            assert_eq!(
                split_once(haystack, needle),
                haystack.split_once(needle),
                "{haystack} {needle}"
            );
        }
    }

    #[test]
    fn quoted_is_debug_for_ascii_and_control_characters() {
        for text in [
            "",
            "plain",
            "with \"quotes\" and \\",
            "line\nbreak\r\ttab\0nul",
            "esc\u{1b}[0m del\u{7f}",
            "C1 \u{85}",
            "héllo wörld ✓",
            "bidi \u{202e}txt.exe\u{202c} zero\u{200b}width \u{feff}bom nbsp\u{a0}",
            "e\u{301} \u{2066}iso\u{2069} \u{3000} \u{fe0f} \u{e0041} \u{fff9}",
        ] {
            assert_eq!(Quoted(text).to_string(), format!("{text:?}"));
        }
        // Every character `is_hidden` takes is one `{:?}` escapes.
        for c in (0x80..0xE01F0)
            .filter_map(char::from_u32)
            .filter(|&c| is_hidden(c))
        {
            let text = c.to_string();
            assert_eq!(
                Quoted(&text).to_string(),
                format!("{text:?}"),
                "U+{:X}",
                u32::from(c)
            );
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Searching and replacing agree with the standard library's on any text, including
        /// texts with multi-byte characters and overlapping candidates.
        #[test]
        fn find_and_replace_agree_with_std(haystack in "[ab✓é%]{0,24}", needle in "[ab✓é%]{1,4}") {
            prop_assert_eq!(find(&haystack, &needle), haystack.find(needle.as_str()));
            let expected = haystack.contains(needle.as_str()).then(|| haystack.replace(needle.as_str(), "[redacted]"));
            prop_assert_eq!(replace(&haystack, &needle, "[redacted]"), expected);
            prop_assert_eq!(split_once(&haystack, &needle), haystack.split_once(needle.as_str()));
        }
    }
}
