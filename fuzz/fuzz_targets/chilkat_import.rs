//! `chilkat::import_chilkat_json` with any text. Invariants: an import holds non-empty tokens,
//! a non-blank open_id and expiries in range; import → export → import gives the same tokens
//! and fields, and exporting again gives the same text; no error text holds a secret value of
//! the file, nor does the imported tokens' Debug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tiktok_shop_connect::chilkat::{export_chilkat_json, import_chilkat_json};
use tiktok_shop_connect::policy::expiry_in_range;
use tiktok_shop_connect_fuzz::{
    assert_no_secret_in_errors, error_texts, tokens_debug, SECRET_KEYS,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(tokens) = import_chilkat_json(&text) {
        assert!(
            !tokens.access_token.secret().is_empty(),
            "empty access token"
        );
        assert!(
            !tokens.refresh_token.secret().is_empty(),
            "empty refresh token"
        );
        assert!(!tokens.open_id.trim().is_empty(), "blank open_id");
        assert!(expiry_in_range(tokens.access_token_expires_at));
        assert!(expiry_in_range(tokens.refresh_token_expires_at));
        let exported = export_chilkat_json(&tokens);
        let again = match import_chilkat_json(&exported) {
            Ok(t) => t,
            Err(e) => panic!("an export does not import again: {e}\n{exported}"),
        };
        assert_eq!(
            again.access_token, tokens.access_token,
            "access token changed"
        );
        assert_eq!(
            again.refresh_token, tokens.refresh_token,
            "refresh token changed"
        );
        assert_eq!(
            again.access_token_expires_at,
            tokens.access_token_expires_at
        );
        assert_eq!(
            again.refresh_token_expires_at,
            tokens.refresh_token_expires_at
        );
        assert_eq!(again.open_id, tokens.open_id);
        assert_eq!(again.seller_name, tokens.seller_name);
        assert_eq!(again.seller_base_region, tokens.seller_base_region);
        assert_eq!(again.user_type, tokens.user_type);
        assert_eq!(again.granted_scopes, tokens.granted_scopes);
        assert_eq!(again.scopes_field, tokens.scopes_field);
        assert_eq!(again.request_id, tokens.request_id);
        assert_eq!(
            again.extra_data, tokens.extra_data,
            "unknown data fields changed"
        );
        assert_eq!(
            again.extra_envelope, tokens.extra_envelope,
            "unknown envelope fields changed"
        );
        assert_eq!(
            export_chilkat_json(&again),
            exported,
            "export is not a fixed point"
        );
    }
    assert_no_secret_in_errors(&text, "", &SECRET_KEYS, |t| match import_chilkat_json(t) {
        Ok(tokens) => vec![tokens_debug(&tokens)],
        Err(e) => error_texts(&e),
    });
});
