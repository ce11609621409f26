//! The app's configuration: credentials, region, and the endpoints for that region.

use crate::secret::AppSecret;
use crate::Error;

mod endpoint;
mod input;

pub(crate) use endpoint::check_host;
pub use endpoint::validate_endpoint;
pub use input::{FromInput, Input};
use serde::{Deserialize, Serialize};

/// Where the seller's shop is served from. It decides the authorization page; the token and API
/// hosts are the same for every region today, but stay overridable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Region {
    /// Everywhere but the US (`services.tiktokshop.com`).
    #[default]
    #[serde(rename = "row")]
    RestOfWorld,
    /// The US (`services.tiktokshops.us`, the newest documented host).
    #[serde(rename = "us")]
    Us,
}

impl Region {
    /// Parses `"row"` / `"us"` (case-insensitive; `"global"` is accepted for rest of world).
    pub fn parse(name: &str) -> Result<Region, Error> {
        match name.trim().to_ascii_lowercase().as_str() {
            "row" | "global" | "rest-of-world" | "" => Ok(Region::RestOfWorld),
            "us" => Ok(Region::Us),
            other => Err(Error::InvalidConfig(format!(
                "unknown region {}: use \"row\" (rest of world) or \"us\"",
                crate::text::Quoted(other)
            ))),
        }
    }

    /// The region's short name, `"row"` or `"us"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::RestOfWorld => "row",
            Region::Us => "us",
        }
    }

    /// TikTok's documented endpoints for this region.
    pub fn default_endpoints(self) -> Endpoints {
        let [authorize, token_get, token_refresh, api_base] = self.default_endpoint_urls();
        Endpoints {
            authorize: authorize.to_owned(),
            token_get: token_get.to_owned(),
            token_refresh: token_refresh.to_owned(),
            api_base: api_base.to_owned(),
        }
    }

    /// The default endpoints as text (authorize, token get, token refresh, API base): copied
    /// only where no override replaces them.
    fn default_endpoint_urls(self) -> [&'static str; 4] {
        [
            match self {
                Region::RestOfWorld => "https://services.tiktokshop.com/open/authorize",
                Region::Us => "https://services.tiktokshops.us/open/authorize",
            },
            "https://auth.tiktok-shops.com/api/v2/token/get",
            "https://auth.tiktok-shops.com/api/v2/token/refresh",
            "https://open-api.tiktokglobalshop.com",
        ]
    }
}

/// The four URLs the client talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// The authorization page the seller opens.
    pub authorize: String,
    /// `…/api/v2/token/get`.
    pub token_get: String,
    /// `…/api/v2/token/refresh`.
    pub token_refresh: String,
    /// The base of signed API calls, without a trailing slash.
    pub api_base: String,
}

/// Endpoint overrides: each one given replaces the region's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct EndpointOverrides {
    /// Replaces [`Endpoints::authorize`].
    #[cfg_attr(test, ts(optional))]
    pub authorize: Option<String>,
    /// Replaces [`Endpoints::token_get`].
    #[cfg_attr(test, ts(optional))]
    pub token_get: Option<String>,
    /// Replaces [`Endpoints::token_refresh`].
    #[cfg_attr(test, ts(optional))]
    pub token_refresh: Option<String>,
    /// Replaces [`Endpoints::api_base`].
    #[cfg_attr(test, ts(optional))]
    pub api_base: Option<String>,
}

/// A validated app configuration. Build it with [`Config::new`]; it cannot hold empty values or
/// plain-`http` endpoints (other than loopback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    app_key: String,
    app_secret: AppSecret,
    service_id: String,
    region: Region,
    endpoints: Endpoints,
}

impl Config {
    /// Validates and builds a configuration with the region's endpoints, each replaced by the
    /// matching override when one is given (blank overrides are ignored).
    pub fn new<'a>(
        app_key: &str,
        app_secret: AppSecret,
        service_id: &str,
        region: Region,
        overrides: &'a EndpointOverrides,
    ) -> Result<Config, Error> {
        // Everything checked first, then copied: no failure path holds a copy to drop.
        required("app key", app_key)?;
        required("app secret", app_secret.secret())?;
        required("service ID", service_id)?;
        let [authorize, token_get, token_refresh, api_base] = region.default_endpoint_urls();
        let pick = |name: &str, over: &'a Option<String>, default: &'static str| {
            let value = match over.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => v,
                _ => default,
            };
            validate_endpoint(name, value).map(|()| value)
        };
        let authorize = pick("authorize endpoint", &overrides.authorize, authorize)?;
        let token_get = pick("token get endpoint", &overrides.token_get, token_get)?;
        let token_refresh = pick(
            "token refresh endpoint",
            &overrides.token_refresh,
            token_refresh,
        )?;
        let api_base = pick("API base", &overrides.api_base, api_base)?;
        Ok(Config {
            app_key: app_key.to_owned(),
            app_secret,
            service_id: service_id.to_owned(),
            region,
            endpoints: Endpoints {
                authorize: authorize.to_owned(),
                token_get: token_get.to_owned(),
                token_refresh: token_refresh.to_owned(),
                api_base: api_base.trim_end_matches('/').to_owned(),
            },
        })
    }

    /// The app key.
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// The app secret.
    pub fn app_secret(&self) -> &AppSecret {
        &self.app_secret
    }

    /// The service ID (the authorization page's `service_id`).
    pub fn service_id(&self) -> &str {
        &self.service_id
    }

    /// The region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
}

fn required(name: &str, value: &str) -> Result<(), Error> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::InvalidConfig(format!("the {name} is empty")));
    }
    if trimmed != value || value.chars().any(char::is_whitespace) {
        return Err(Error::InvalidConfig(format!(
            "the {name} contains spaces or line breaks; paste it again without them"
        )));
    }
    Ok(())
}

/// Everything the token client needs, validated: the app configuration plus the redirect URL
/// registered in Partner Center, the refresh margin and the flow timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The app configuration.
    pub app: Config,
    /// The redirect URL registered for the app (in the extension, `chrome.identity.getRedirectURL()`).
    pub redirect_url: String,
    /// Refresh an access token this many seconds before it expires.
    pub refresh_margin_secs: i64,
    /// How long the seller has to authorize, in seconds.
    pub flow_timeout_secs: i64,
    /// How long token/get and token/refresh may take before they are abandoned, in ms.
    pub token_timeout_ms: u32,
    /// How long an API call may take before it is abandoned, in ms (a call can say otherwise).
    pub api_timeout_ms: u32,
}

/// Default limit of token/get and token/refresh: 30 s.
pub const DEFAULT_TOKEN_TIMEOUT_MS: u32 = 30_000;
/// Default limit of an API call: 60 s.
pub const DEFAULT_API_TIMEOUT_MS: u32 = 60_000;
/// The longest limit a request may have: 10 minutes.
pub const MAX_TIMEOUT_MS: u32 = 600_000;

/// Checks a request time limit given in ms.
pub fn validate_timeout_ms(what: &str, value: i64) -> Result<u32, Error> {
    u32::try_from(value)
        .ok()
        .filter(|ms| (1..=MAX_TIMEOUT_MS).contains(ms))
        .ok_or_else(|| {
            Error::InvalidConfig(format!(
                "{what} must be between 1 and {MAX_TIMEOUT_MS} ms, not {value}"
            ))
        })
}

/// The client configuration as JavaScript (or a settings file) gives it: camelCase, optional
/// parts left out. [`ClientConfigInput::validate`] turns it into a [`ClientConfig`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "ClientConfig"))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct ClientConfigInput {
    /// App key.
    pub app_key: String,
    /// App secret.
    #[cfg_attr(test, ts(type = "string"))]
    pub app_secret: Option<AppSecret>,
    /// Service ID.
    pub service_id: String,
    /// `"row"` (default) or `"us"`.
    #[cfg_attr(test, ts(optional, type = "\"row\" | \"us\""))]
    pub region: Option<String>,
    /// The redirect URL registered in Partner Center.
    pub redirect_url: String,
    /// Endpoint overrides.
    #[cfg_attr(test, ts(as = "Option<EndpointOverrides>", optional))]
    pub endpoints: EndpointOverrides,
    /// Refresh margin in seconds (default 300).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub refresh_margin_secs: Option<i64>,
    /// Flow timeout in seconds (default 240).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub flow_timeout_secs: Option<i64>,
    /// Limit of token/get and token/refresh in ms (default 30000).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub token_timeout_ms: Option<i64>,
    /// Limit of an API call in ms (default 60000).
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub api_timeout_ms: Option<i64>,
}

impl FromInput for ClientConfigInput {
    fn read(input: &mut Input) -> Result<Self, String> {
        ClientConfigInput::read_fields(input)
    }
}

impl ClientConfigInput {
    fn read_fields(input: &mut Input) -> Result<ClientConfigInput, String> {
        let mut endpoints = input.object("endpoints")?;
        Ok(ClientConfigInput {
            app_key: input.string("appKey")?,
            app_secret: input.opt_string("appSecret")?.map(AppSecret::new),
            service_id: input.string("serviceId")?,
            region: input.opt_string("region")?,
            redirect_url: input.string("redirectUrl")?,
            endpoints: EndpointOverrides {
                authorize: endpoints.opt_string("authorize")?,
                token_get: endpoints.opt_string("tokenGet")?,
                token_refresh: endpoints.opt_string("tokenRefresh")?,
                api_base: endpoints.opt_string("apiBase")?,
            },
            refresh_margin_secs: input.opt_int("refreshMarginSecs", i64::MIN, i64::MAX)?,
            flow_timeout_secs: input.opt_int("flowTimeoutSecs", i64::MIN, i64::MAX)?,
            token_timeout_ms: input.opt_int("tokenTimeoutMs", i64::MIN, i64::MAX)?,
            api_timeout_ms: input.opt_int("apiTimeoutMs", i64::MIN, i64::MAX)?,
        })
    }

    /// Validates everything, naming the first problem found.
    pub fn validate(&self) -> Result<ClientConfig, Error> {
        let region = Region::parse(self.region.as_deref().unwrap_or("row"))?;
        let secret = self
            .app_secret
            .clone()
            .unwrap_or_else(|| AppSecret::new(""));
        let app = Config::new(
            &self.app_key,
            secret,
            &self.service_id,
            region,
            &self.endpoints,
        )?;
        let redirect_url = self.redirect_url.trim();
        validate_endpoint("redirect URL", redirect_url)?;
        let refresh_margin_secs = self
            .refresh_margin_secs
            .unwrap_or(crate::policy::DEFAULT_REFRESH_MARGIN_SECS);
        if !(0..=86_400).contains(&refresh_margin_secs) {
            return Err(Error::InvalidConfig(format!(
                "the refresh margin must be between 0 and 86400 seconds, not {refresh_margin_secs}"
            )));
        }
        let flow_timeout_secs = self
            .flow_timeout_secs
            .unwrap_or(crate::flow::DEFAULT_FLOW_TIMEOUT_SECS);
        if !(1..=3600).contains(&flow_timeout_secs) {
            return Err(Error::InvalidConfig(format!(
                "the flow timeout must be between 1 and 3600 seconds, not {flow_timeout_secs}"
            )));
        }
        let token_timeout_ms = validate_timeout_ms(
            "the token request time limit",
            self.token_timeout_ms
                .unwrap_or(i64::from(DEFAULT_TOKEN_TIMEOUT_MS)),
        )?;
        let api_timeout_ms = validate_timeout_ms(
            "the API call time limit",
            self.api_timeout_ms
                .unwrap_or(i64::from(DEFAULT_API_TIMEOUT_MS)),
        )?;
        Ok(ClientConfig {
            app,
            redirect_url: redirect_url.to_owned(),
            refresh_margin_secs,
            flow_timeout_secs,
            token_timeout_ms,
            api_timeout_ms,
        })
    }
}
