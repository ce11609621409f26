//! What TikTok's answers mean: an API response's outcome by exact codes (with a fast path for
//! code 0 that builds nothing), the error for a code, the refresh error's meaning.

use super::*;

/// What to do with an API response.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiOutcome {
    /// `code` 0: hand the response to the caller.
    Success,
    /// The access token expired or is invalid (105002, 105001, or a 401 with no envelope):
    /// refresh once, re-sign, retry once.
    RefreshAndRetry {
        /// TikTok's code, when the body had one.
        code: Option<i64>,
    },
    /// A final error: hand it to the caller, do not refresh, do not retry. Includes
    /// [`Error::MissingPermission`], [`Error::RateLimited`] and [`Error::ReconnectRequired`].
    Fail(Error),
}

/// Classifies a signed API call's response by TikTok's code (see the module documentation).
pub fn classify_api_response(http_status: u16, body: &[u8]) -> ApiOutcome {
    // The common answer (code 0) is recognised without building the whole body as a value:
    // only `code` is read, the rest is checked to be JSON and skipped. Only for an object of
    // valid UTF-8 (skipped strings are not checked otherwise): anything else takes the full
    // path and its typed errors.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_object {
        if let Ok(text) = std::str::from_utf8(body) {
            if code_is_zero(text) {
                return ApiOutcome::Success;
            }
        }
    }
    let envelope = match parse_envelope(http_status, body) {
        Ok(envelope) => envelope,
        Err(_) if http_status == 401 => return ApiOutcome::RefreshAndRetry { code: None },
        Err(_) if http_status == 429 => {
            return ApiOutcome::Fail(Error::RateLimited {
                message: "HTTP 429".to_owned(),
                request_id: None,
            })
        }
        Err(e) => return ApiOutcome::Fail(e),
    };
    match envelope.code {
        0 => ApiOutcome::Success,
        codes::ACCESS_TOKEN_EXPIRED | codes::ACCESS_TOKEN_INVALID => ApiOutcome::RefreshAndRetry {
            code: Some(envelope.code),
        },
        code => ApiOutcome::Fail(error_for_code(
            code,
            envelope.message,
            envelope.request_id,
            http_status,
        )),
    }
}

/// The typed error for a non-zero TikTok code (token calls and API calls alike).
pub fn error_for_code(
    code: i64,
    message: String,
    request_id: Option<String>,
    http_status: u16,
) -> Error {
    match code {
        codes::REFRESH_TOKEN_EXPIRED | codes::AUTH_RECORD_NOT_FOUND => Error::ReconnectRequired {
            code,
            message,
            request_id,
        },
        codes::MISSING_SCOPE => Error::MissingPermission {
            scope: scope_in_message(&message),
            message,
            request_id,
        },
        codes::RATE_LIMITED => Error::RateLimited {
            message,
            request_id,
        },
        _ => Error::TikTokApi {
            code,
            message,
            request_id,
            http_status,
        },
    }
}

/// Maps an error from token/refresh to what the client reports: TikTok's codes for an expired
/// refresh token or a revoked authorization become [`Error::ReconnectRequired`].
pub fn classify_refresh_error(error: Error) -> Error {
    match error {
        Error::TikTokApi {
            code,
            message,
            request_id,
            http_status,
        } => error_for_code(code, message, request_id, http_status),
        other => other,
    }
}

/// The scope a 105005 message names, such as `seller.order.info`: the first word made of at least
/// two dot-separated parts of lowercase letters, digits and underscores.
pub fn scope_in_message(message: &str) -> Option<String> {
    // Words are runs of ASCII letters, digits, `_` and `.` (any other byte, each byte of a
    // non-ASCII character included, separates them), read as bytes with their dots trimmed.
    let mut word_start = 0;
    for (at, &b) in message.as_bytes().iter().chain(b" ").enumerate() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            continue;
        }
        let mut word = message.as_bytes().get(word_start..at).unwrap_or_default();
        word_start = at + 1;
        while let [b'.', rest @ ..] = word {
            word = rest;
        }
        while let [rest @ .., b'.'] = word {
            word = rest;
        }
        if is_scope(word) {
            return std::str::from_utf8(word).ok().map(str::to_owned);
        }
    }
    None
}

/// Whether a word (no leading or trailing dot) is a scope: a lowercase letter first, then
/// lowercase letters, digits, underscores and single dots, at least one dot (read byte by byte,
/// with no list of its parts).
fn is_scope(word: &[u8]) -> bool {
    let mut previous_dot = false;
    let mut dots = 0;
    for &b in word {
        let dot = b == b'.';
        if (dot && previous_dot)
            || !(dot || b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return false;
        }
        dots += usize::from(dot);
        previous_dot = dot;
    }
    dots > 0 && word.first().is_some_and(u8::is_ascii_lowercase)
}

#[doc(hidden)]
pub fn code_is_zero(text: &str) -> bool {
    code_is_zero_in(&mut crate::json::Parser::new(text)).unwrap_or(false)
}

fn code_is_zero_in(p: &mut crate::json::Parser<'_>) -> Result<bool, crate::json::Error> {
    if p.whitespace() != Some(b'{') {
        return Ok(false);
    }
    p.bump();
    let mut code = false;
    let mut first = true;
    while p.next_key(first)? {
        first = false;
        let key = p.string()?;
        p.colon()?;
        if key != "code" {
            p.skip_value()?;
            continue;
        }
        // Exactly the literal `0` (anything else is not serde's unsigned 0).
        if code || p.whitespace() != Some(b'0') {
            return Ok(false);
        }
        p.bump();
        if matches!(p.peek(), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
            return Ok(false);
        }
        code = true;
    }
    p.bump();
    Ok(code && p.at_end())
}

#[cfg(test)]
mod tests {
    use super::scope_in_message;

    /// The rule as first written, over `str::split` and a list of parts: the reference.
    fn scope_by_split(message: &str) -> Option<String> {
        message
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map(|word| word.trim_matches('.'))
            .find(|word| {
                let parts: Vec<&str> = word.split('.').collect();
                parts.len() >= 2
                    && parts.iter().all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    })
                    && parts
                        .first()
                        .is_some_and(|p| p.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            })
            .map(str::to_owned)
    }

    #[test]
    fn scope_is_found_as_the_split_rule_finds_it() {
        for message in [
            "",
            ".",
            "..a.b..",
            "Missing: seller.product.write.",
            "see docs.tiktok or v1.2",
            "a..b c.d",
            "A.b x_1.y2",
            "1a.b _a.b a.b_",
            "é.a seller.é.x shop.order€info.z",
            "scope:seller.order.info;",
            "a.b",
            "a.",
            ".a.b.",
            "no scope here.",
        ] {
            assert_eq!(
                scope_in_message(message),
                scope_by_split(message),
                "{message:?}"
            );
        }
    }
}
