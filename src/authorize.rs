//! The authorization page URL, the anti-forgery `state`, and parsing the redirect that comes back.
//!
//! TikTok's authorization page takes only `service_id` and `state`: there is no `redirect_uri`
//! and no scope parameter. TikTok redirects to the URL registered for the app in Partner Center,
//! with `code`, `state`, `app_key`, `locale` and `shop_region` on success, or with `error` and
//! `code=null` on denial.

use crate::config::Config;
use crate::http::{append_query, parse_query, split_url};
use crate::secret::AuthCode;
use crate::Error;

/// The fewest random bytes a `state` is made from (128 bits).
pub const MIN_STATE_BYTES: usize = 16;

/// Makes a URL-safe `state` (unpadded base64url) from injected random bytes; at least
/// [`MIN_STATE_BYTES`] are required, 32 are recommended.
pub fn new_state(random_bytes: &[u8]) -> Result<String, Error> {
    if random_bytes.len() < MIN_STATE_BYTES {
        return Err(Error::InvalidInput(format!(
            "a state needs at least {MIN_STATE_BYTES} random bytes, got {}",
            random_bytes.len()
        )));
    }
    Ok(base64url(random_bytes))
}

/// Unpadded base64url (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let symbol =
        |index: u32| char::from(ALPHABET.get((index & 63) as usize).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        if chunk.len() > 1 {
            out.push(symbol(n >> 6));
        }
        if chunk.len() > 2 {
            out.push(symbol(n));
        }
    }
    out
}

/// The URL of the authorization page: the region's (or overridden) authorize endpoint with
/// `service_id` and `state`, percent-encoded.
pub fn authorize_url(config: &Config, state: &str) -> String {
    authorize_url_for(&config.endpoints().authorize, config.service_id(), state)
}

/// The authorization page URL for a configuration that may be partial: only the service ID,
/// the region and the authorize endpoint are read, and checked by the same rules as
/// [`Config::new`] (the other parts are not needed to build the page's URL).
pub fn authorize_url_from_input(
    input: &crate::config::ClientConfigInput,
    state: &str,
) -> Result<String, crate::Error> {
    if state.is_empty() {
        return Err(crate::Error::InvalidInput("the state is empty".into()));
    }
    let region = crate::config::Region::parse(input.region.as_deref().unwrap_or("row"))?;
    let overrides = crate::config::EndpointOverrides {
        authorize: input.endpoints.authorize.clone(),
        ..Default::default()
    };
    // Placeholders for the parts an authorize URL does not use, so Config::new checks the rest.
    let config = Config::new(
        "-",
        crate::secret::AppSecret::new("-"),
        &input.service_id,
        region,
        &overrides,
    )?;
    Ok(authorize_url(&config, state))
}

/// The authorization page URL from its parts: `{authorize_endpoint}?service_id=…&state=…`.
pub fn authorize_url_for(authorize_endpoint: &str, service_id: &str, state: &str) -> String {
    append_query(
        authorize_endpoint,
        &[("service_id", service_id), ("state", state)],
    )
}

/// What a successful redirect carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// The single-use code to exchange at token/get within 30 minutes.
    pub code: AuthCode,
    /// `app_key`, when TikTok sent it.
    pub app_key: Option<String>,
    /// `locale`, when TikTok sent it.
    pub locale: Option<String>,
    /// `shop_region`, when TikTok sent it.
    pub shop_region: Option<String>,
}

/// TikTok's denial codes that are kept and shown (as a fixed sentence); anything else in a
/// redirect's `error` is reported as `unknown`, never stored or shown as it came.
pub const DENIAL_CODES: [&str; 4] = ["access_denied", "auth_denied", "user_denied", "null"];

/// The kept form of a redirect's `error` parameter: one of [`DENIAL_CODES`], or `unknown`.
pub fn denial_code(error: Option<&str>) -> &'static str {
    let error = error.unwrap_or("null");
    DENIAL_CODES
        .iter()
        .find(|code| code.eq_ignore_ascii_case(error))
        .copied()
        .unwrap_or("unknown")
}

/// How a redirect reached the client: through a channel bound to the pending flow (the
/// `launchWebAuthFlow` result, the flow's own tab, the person's own paste) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectChannel {
    /// Anything else: a denial must carry the flow's `state` to end it.
    #[default]
    Unbound,
    /// Bound to the flow: TikTok's documented denials carry no `state`, and one that comes this
    /// way may end the flow.
    Bound,
}

/// Parses the redirect URL TikTok sent the browser to, as it arrived through an unbound channel
/// (see [`parse_redirect_from`]).
pub fn parse_redirect(
    redirect_url: &str,
    expected_redirect_base: &str,
    expected_state: &str,
) -> Result<AuthorizationCode, Error> {
    parse_redirect_from(
        redirect_url,
        expected_redirect_base,
        expected_state,
        RedirectChannel::Unbound,
    )
}

/// Parses the redirect URL TikTok sent the browser to.
///
/// - The URL must be the expected redirect URL (same scheme, host and path; a trailing slash and
///   the letter case of scheme and host do not matter), else [`Error::InvalidRedirect`].
/// - `state` must equal `expected_state`: different → [`Error::StateMismatch`], always; missing →
///   [`Error::StateMismatch`], except for a denial that came through a [`RedirectChannel::Bound`]
///   channel (TikTok's documented denials carry no `state`).
/// - Any `error` parameter, or `code=null`, is a denial → [`Error::AccessDenied`], carrying only
///   TikTok's code from [`DENIAL_CODES`] (never the raw query).
/// - No `code` at all → [`Error::InvalidRedirect`].
pub fn parse_redirect_from(
    redirect_url: &str,
    expected_redirect_base: &str,
    expected_state: &str,
    channel: RedirectChannel,
) -> Result<AuthorizationCode, Error> {
    let redirect_url = redirect_url.trim();
    let (base, query) = split_url(redirect_url);
    if !is_redirect_for(base, expected_redirect_base) {
        return Err(Error::InvalidRedirect(format!(
            "the URL does not start with the expected redirect URL {}",
            split_url(expected_redirect_base).0
        )));
    }
    let params = parse_query(query);
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let state = get("state");
    let error = get("error").filter(|e| !e.is_empty());
    let code = get("code");
    let is_denial = error.is_some() || code == Some("null");

    match state {
        Some(s) if s == expected_state => {}
        None if is_denial && channel == RedirectChannel::Bound => {}
        None => {
            return Err(Error::StateMismatch {
                found: "is missing",
            })
        }
        Some(_) => return Err(Error::StateMismatch { found: "differs" }),
    }
    if is_denial {
        let code = denial_code(error);
        return Err(Error::AccessDenied {
            error: code.to_owned(),
            error_response: format!("error={code}"),
        });
    }
    let code = match code {
        Some(c) if !c.trim().is_empty() => c,
        _ => {
            return Err(Error::InvalidRedirect(
                "the redirect has no authorization code".to_owned(),
            ))
        }
    };
    Ok(AuthorizationCode {
        code: AuthCode::new(code),
        app_key: get("app_key").map(str::to_owned),
        locale: get("locale").map(str::to_owned),
        shop_region: get("shop_region").map(str::to_owned),
    })
}

/// Whether `redirect_url` goes to the `expected` redirect URL: same scheme, host, port and path
/// (query and fragment ignored; a trailing slash and the case of scheme and host do not matter).
pub fn is_redirect_for(redirect_url: &str, expected: &str) -> bool {
    // Compared part by part, with nothing built: the scheme and the authority in any letter
    // case, the path without its trailing slashes; an expected URL with neither never matches.
    match (
        redirect_parts(split_url(redirect_url.trim()).0),
        redirect_parts(split_url(expected.trim()).0),
    ) {
        (Some((scheme, authority, path)), Some((want_scheme, want_authority, want_path))) => {
            !(want_authority.is_empty() && want_path.is_empty())
                && scheme.eq_ignore_ascii_case(want_scheme)
                && authority.eq_ignore_ascii_case(want_authority)
                && path == want_path
        }
        _ => false,
    }
}

/// A URL's scheme, authority and path (its trailing slashes cut), when it has `://`.
fn redirect_parts(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = crate::text::split_once(url, "://")?;
    let (authority, path) = match rest.find('/') {
        Some(at) => crate::text::split_at(rest, at),
        None => (rest, ""),
    };
    Some((scheme, authority, path.trim_end_matches('/')))
}
