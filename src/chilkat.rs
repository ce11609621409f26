//! Moving between Chilkat's desktop tool and this project.
//!
//! Chilkat's examples save the whole token response envelope to `tiktok-shops.json`
//! (`{"code":0,"message":"success","data":{…},"request_id":"…"}`, pretty-printed). Import reads
//! that file; export writes the current tokens back in the same shape, unknown fields included.

use crate::json::{Map, Value};
use crate::token::{parse_token_response, ScopesField, TokenSet};
use crate::Error;

/// Reads a `tiktok-shops.json` written by Chilkat's examples (or by [`export_chilkat_json`]).
/// A UTF-8 byte order mark is accepted. Expiries that JavaScript numbers and dates cannot hold
/// exactly (before 2000, after 9999, beyond 2^53) are refused here, before anything is stored.
pub fn import_chilkat_json(text: &str) -> Result<TokenSet, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tokens = parse_token_response(200, text.as_bytes()).map_err(|e| match e {
        Error::TikTokApi { code, message, .. } => Error::InvalidInput(format!(
            "the file holds a failed token response (TikTok error {code}: {message}), not tokens"
        )),
        other => other,
    })?;
    for (field, at) in [
        ("access_token_expire_in", tokens.access_token_expires_at),
        ("refresh_token_expire_in", tokens.refresh_token_expires_at),
    ] {
        if !crate::policy::expiry_in_range(at) {
            return Err(Error::InvalidInput(format!(
                "{field} is {at}, outside the years 2000 to 9999 that an expiry can have; the file was not imported"
            )));
        }
    }
    if tokens.open_id.trim().is_empty() {
        return Err(Error::InvalidInput(
            "the file has no open_id; the file was not imported".to_owned(),
        ));
    }
    Ok(tokens)
}

/// Writes the tokens in the shape of `tiktok-shops.json`: TikTok's envelope with `data`, pretty
/// printed as Chilkat emits it, with every field that was imported and not understood.
pub fn export_chilkat_json(tokens: &TokenSet) -> String {
    let mut data = Map::new();
    data.put("access_token", tokens.access_token.secret().into());
    data.put(
        "access_token_expire_in",
        tokens.access_token_expires_at.into(),
    );
    data.put("refresh_token", tokens.refresh_token.secret().into());
    data.put(
        "refresh_token_expire_in",
        tokens.refresh_token_expires_at.into(),
    );
    data.put("open_id", tokens.open_id.clone().into());
    data.put("seller_name", tokens.seller_name.clone().into());
    data.put(
        "seller_base_region",
        tokens.seller_base_region.clone().into(),
    );
    data.put("user_type", tokens.user_type.into());
    let scopes: Value = tokens.granted_scopes.clone().into();
    match tokens.scopes_field {
        ScopesField::GrantedScopes => {
            data.put("granted_scopes", scopes);
        }
        ScopesField::GrantedPermissions => {
            data.put("granted_permissions", scopes);
        }
        ScopesField::Absent => {}
    }
    for (k, v) in &tokens.extra_data {
        data.insert_missing(k.clone(), || v.clone());
    }
    let mut envelope = Map::new();
    envelope.put("code", 0.into());
    let message = if tokens.message.is_empty() {
        "success"
    } else {
        &tokens.message
    };
    envelope.put("message", message.into());
    envelope.put("data", Value::Object(data));
    if let Some(id) = &tokens.request_id {
        envelope.put("request_id", id.clone().into());
    }
    for (k, v) in &tokens.extra_envelope {
        envelope.insert_missing(k.clone(), || v.clone());
    }
    Value::Object(envelope).to_json_pretty()
}
