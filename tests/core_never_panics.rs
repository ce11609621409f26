//! Property tests: the response, envelope, redirect and date parsers never panic, whatever the input.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use tiktok_shop_connect::authorize::parse_redirect;
use tiktok_shop_connect::chilkat::import_chilkat_json;
use tiktok_shop_connect::flow::AuthFlow;
use tiktok_shop_connect::policy::classify_api_response;
use tiktok_shop_connect::signing::parse_http_date;
use tiktok_shop_connect::token::parse_token_response;

fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("0".to_owned()),
        Just("\"x\"".to_owned()),
        Just("null".to_owned()),
        Just("-1e999".to_owned()),
        Just("18446744073709551616".to_owned()),
        "[a-z_]{0,12}".prop_map(|s| format!("\"{s}\"")),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let keys = prop_oneof![
        Just("code"),
        Just("data"),
        Just("message"),
        Just("request_id"),
        Just("access_token"),
        Just("access_token_expire_in"),
        Just("refresh_token"),
        Just("refresh_token_expire_in"),
        Just("open_id"),
        Just("granted_scopes"),
        Just("user_type"),
        Just("x"),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|v| {
                let body: Vec<String> =
                    v.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn token_parser_never_panics_on_bytes(status in any::<u16>(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_token_response(status, &body);
        let _ = classify_api_response(status, &body);
    }

    #[test]
    fn token_parser_never_panics_on_json_shapes(status in any::<u16>(), body in json_like(), cut in any::<prop::sample::Index>()) {
        let _ = parse_token_response(status, body.as_bytes());
        let _ = classify_api_response(status, body.as_bytes());
        let _ = import_chilkat_json(&body);
        // Truncated anywhere, including inside a multi-byte character.
        let end = cut.index(body.len() + 1);
        let _ = parse_token_response(status, &body.as_bytes()[..end]);
    }

    #[test]
    fn redirect_parser_never_panics(url in ".{0,200}", base in ".{0,60}", state in ".{0,20}") {
        let _ = parse_redirect(&url, &base, &state);
        let _ = parse_redirect(&format!("https://x.chromiumapp.org/?{url}"), "https://x.chromiumapp.org/", &state);
        let mut flow = AuthFlow::new();
        let _ = flow.receive_redirect(&url, &base, 0);
        let _ = AuthFlow::from_json(&url);
    }

    #[test]
    fn redirect_query_forms_never_panic(pairs in prop::collection::vec(("(code|state|error|%[0-9A-Fa-f]{0,2}|[a-z+%=&]{0,6})", "[a-zA-Z0-9%+=&#?/]{0,12}"), 0..8)) {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let url = format!("https://x.chromiumapp.org/?{}", query.join("&"));
        let _ = parse_redirect(&url, "https://x.chromiumapp.org/", "S");
    }

    #[test]
    fn date_parser_never_panics(s in ".{0,40}", n in any::<i64>(), d in 0i64..40, y in -5i64..12000) {
        let _ = parse_http_date(&s);
        let _ = parse_http_date(&format!("Mon, {d:02} Jan {y} 00:00:{} GMT", n % 100));
    }
}
