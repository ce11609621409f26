//! The authorization URL, the state, redirect parsing, and every flow transition.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use tiktok_shop_connect::authorize::{
    authorize_url, new_state, parse_redirect, parse_redirect_from, RedirectChannel,
};
use tiktok_shop_connect::config::{Config, EndpointOverrides, Region};
use tiktok_shop_connect::error::FailureReason;
use tiktok_shop_connect::flow::{
    AuthFlow, CaptureMode, FlowPhase, FlowRunner, DEFAULT_FLOW_TIMEOUT_SECS,
};
use tiktok_shop_connect::secret::AppSecret;
use tiktok_shop_connect::Error;

const BASE: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";

fn config(region: Region) -> Config {
    Config::new(
        "key",
        AppSecret::new("secret"),
        "7110&x=1",
        region,
        &EndpointOverrides::default(),
    )
    .unwrap()
}

#[test]
fn authorize_urls_per_region_are_encoded() {
    assert_eq!(
        authorize_url(&config(Region::RestOfWorld), "ab-_Z9"),
        "https://services.tiktokshop.com/open/authorize?service_id=7110%26x%3D1&state=ab-_Z9"
    );
    assert_eq!(
        authorize_url(&config(Region::Us), "s"),
        "https://services.tiktokshops.us/open/authorize?service_id=7110%26x%3D1&state=s"
    );
    let overridden = Config::new(
        "key",
        AppSecret::new("secret"),
        "svc",
        Region::Us,
        &EndpointOverrides {
            authorize: Some("http://localhost:9000/open/authorize?lang=en".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        authorize_url(&overridden, "s"),
        "http://localhost:9000/open/authorize?lang=en&service_id=svc&state=s"
    );
}

#[test]
fn state_is_url_safe_with_at_least_128_bits() {
    let s = new_state(&[0xff; 32]).unwrap();
    assert_eq!(s.len(), 43);
    assert!(
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{s}"
    );
    assert_eq!(
        new_state(&[0xfb, 0xff, 0xbf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
        "-_-_AAAAAAAAAAAAAAAAAA"
    );
    assert_ne!(new_state(&[1; 16]).unwrap(), new_state(&[2; 16]).unwrap());
    assert_eq!(new_state(&[1; 15]).unwrap_err().name(), "InvalidInput");
}

#[test]
fn redirect_success_gives_the_code_and_extras() {
    let got = parse_redirect(
        &format!("{BASE}?code=TTP_a%2Bb&state=S1&app_key=key&locale=en-GB&shop_region=GB"),
        BASE,
        "S1",
    )
    .unwrap();
    assert_eq!(got.code.secret(), "TTP_a+b");
    assert_eq!(got.app_key.as_deref(), Some("key"));
    assert_eq!(got.locale.as_deref(), Some("en-GB"));
    assert_eq!(got.shop_region.as_deref(), Some("GB"));
    // Trailing slash and host case do not matter; a fragment is ignored.
    assert!(parse_redirect(
        "HTTPS://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP.chromiumapp.org?code=c&state=S1#x",
        BASE,
        "S1"
    )
    .is_ok());
}

#[test]
fn both_documented_denial_forms_are_access_denied() {
    for (query, error) in [
        ("code=null&error=auth_denied&state=S1", "auth_denied"),
        ("error=access_denied&code=null&state=S1", "access_denied"),
    ] {
        match parse_redirect(&format!("{BASE}?{query}"), BASE, "S1").unwrap_err() {
            Error::AccessDenied {
                error: e,
                error_response,
            } => {
                assert_eq!(e, error);
                // Only TikTok's allowlisted code is kept, never the raw query.
                assert_eq!(error_response, format!("error={error}"));
            }
            other => panic!("{other:?}"),
        }
    }
    // A denial without any state reads as a denial only through a channel bound to the flow
    // (TikTok's documented denials carry no state); through any other, it is rejected.
    assert_eq!(
        parse_redirect_from(
            &format!("{BASE}?code=null&error=auth_denied"),
            BASE,
            "S1",
            RedirectChannel::Bound
        )
        .unwrap_err()
        .name(),
        "AccessDenied"
    );
    assert_eq!(
        parse_redirect(&format!("{BASE}?code=null&error=auth_denied"), BASE, "S1").unwrap_err(),
        Error::StateMismatch {
            found: "is missing"
        }
    );
    // code=null alone is a denial too.
    assert_eq!(
        parse_redirect(&format!("{BASE}?code=null&state=S1"), BASE, "S1")
            .unwrap_err()
            .name(),
        "AccessDenied"
    );
}

#[test]
fn redirect_errors_are_typed() {
    let err = |url: String| parse_redirect(&url, BASE, "S1").unwrap_err();
    assert_eq!(
        err(format!("{BASE}?code=c")),
        Error::StateMismatch {
            found: "is missing"
        }
    );
    assert_eq!(
        err(format!("{BASE}?code=c&state=S2")),
        Error::StateMismatch { found: "differs" }
    );
    // A denial with a different state is someone else's: rejected, not a denial.
    assert_eq!(
        err(format!("{BASE}?error=access_denied&state=S2")).name(),
        "StateMismatch"
    );
    assert_eq!(err(format!("{BASE}?state=S1")).name(), "InvalidRedirect");
    assert_eq!(
        err(format!("{BASE}?state=S1&code=")).name(),
        "InvalidRedirect"
    );
    for other in [
        "https://evil.example/?code=c&state=S1".to_owned(),
        "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org.evil.example/?code=c&state=S1"
            .to_owned(),
        format!("{BASE}extra?code=c&state=S1"),
        "not a url".to_owned(),
        String::new(),
    ] {
        let e = err(other.clone());
        assert_eq!(e.name(), "InvalidRedirect", "{other}");
        assert!(
            e.to_string()
                .contains("does not start with the expected redirect URL"),
            "{e}"
        );
    }
}

fn begun(now: i64) -> (AuthFlow, String) {
    let mut flow = AuthFlow::new();
    assert_eq!(flow.state_code(now), 0);
    let url = flow.begin(
        &config(Region::RestOfWorld),
        "S1".into(),
        now,
        DEFAULT_FLOW_TIMEOUT_SECS,
    );
    assert!(url.ends_with("&state=S1"));
    assert_eq!(flow.state_code(now), 1);
    assert_eq!(flow.deadline(), Some(now + 240));
    (flow, url)
}

#[test]
fn flow_success_path_1_2_3() {
    let (mut flow, _) = begun(1000);
    let code = flow
        .receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1010)
        .unwrap();
    assert_eq!(code.code.secret(), "C");
    assert_eq!(flow.state_code(1010), 2);
    flow.token_received("OPEN", 1011).unwrap();
    assert_eq!(flow.state_code(1011), 3);
    assert!(
        matches!(flow.phase, FlowPhase::Succeeded { ref open_id, completed_at: 1011 } if open_id == "OPEN")
    );
    // The state is single use: the same redirect again changes nothing.
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1012)
            .unwrap_err(),
        Error::StateReused
    );
    assert_eq!(flow.state_code(1012), 3);
}

#[test]
fn flow_second_redirect_while_exchanging_is_rejected() {
    let (mut flow, _) = begun(0);
    flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1)
        .unwrap();
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?code=D&state=S1"), BASE, 2)
            .unwrap_err(),
        Error::StateReused
    );
    assert_eq!(flow.state_code(2), 2);
}

#[test]
fn flow_denial_is_4_with_the_error_response() {
    let (mut flow, _) = begun(0);
    let err = flow
        .receive_redirect(
            &format!("{BASE}?error=access_denied&code=null&state=S1"),
            BASE,
            5,
        )
        .unwrap_err();
    assert_eq!(err.name(), "AccessDenied");
    assert_eq!(flow.state_code(5), 4);
    assert_eq!(
        flow.error_response().as_deref(),
        Some("error=access_denied")
    );
    assert_eq!(flow.failure_info(5), None);
}

#[test]
fn flow_failures_are_5_with_the_reason_never_4() {
    type EndFlow = fn(&mut AuthFlow);
    let cases: [(EndFlow, FailureReason, &str); 4] = [
        (|f| f.cancel(7), FailureReason::Cancelled, "cancelled"),
        (
            |f| f.fail(FailureReason::WindowClosed, "", 7),
            FailureReason::WindowClosed,
            "window closed",
        ),
        (
            |f| {
                f.fail(
                    FailureReason::Interrupted,
                    "the service worker restarted",
                    7,
                )
            },
            FailureReason::Interrupted,
            "interrupted: the service worker restarted",
        ),
        (
            |f| f.fail(FailureReason::PageLoadFailed, "register https://x/", 7),
            FailureReason::PageLoadFailed,
            "authorization page could not be loaded: register https://x/",
        ),
    ];
    for (act, reason, info) in cases {
        let (mut flow, _) = begun(0);
        act(&mut flow);
        assert_eq!(flow.state_code(7), 5);
        assert_eq!(flow.failure_reason(7), Some(reason));
        assert_eq!(flow.failure_info(7).as_deref(), Some(info));
        assert_eq!(flow.error_response(), None);
        // A late redirect is rejected and changes nothing.
        assert_eq!(
            flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 8)
                .unwrap_err(),
            Error::StateReused
        );
        assert_eq!(flow.failure_reason(8), Some(reason));
    }
}

#[test]
fn flow_deadline_reads_as_5_and_rejects_late_redirects() {
    let (mut flow, _) = begun(0);
    assert_eq!(flow.state_code(239), 1);
    assert_eq!(
        flow.state_code(240),
        5,
        "a passed deadline reads as 5 before it is recorded"
    );
    assert_eq!(flow.failure_reason(240), Some(FailureReason::TimedOut));
    assert!(flow.failure_info(240).unwrap().starts_with("timed out"));
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 241)
            .unwrap_err(),
        Error::FlowExpired
    );
    assert!(matches!(
        flow.phase,
        FlowPhase::Failed {
            reason: FailureReason::TimedOut,
            ..
        }
    ));
    assert!(!flow.check_deadline(300), "recorded once");
}

#[test]
fn flow_token_failure_is_5_with_the_error_text() {
    let (mut flow, _) = begun(0);
    flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1)
        .unwrap();
    flow.token_failed(
        &Error::TikTokApi {
            code: 36004002,
            message: "invalid auth code".into(),
            request_id: None,
            http_status: 200,
        },
        2,
    );
    assert_eq!(flow.state_code(2), 5);
    assert_eq!(
        flow.failure_reason(2),
        Some(FailureReason::TokenExchangeFailed)
    );
    assert!(flow.failure_info(2).unwrap().contains("36004002"));
}

#[test]
fn flow_redirect_without_code_is_5_but_foreign_redirects_change_nothing() {
    let (mut flow, _) = begun(0);
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?code=C&state=OTHER"), BASE, 1)
            .unwrap_err()
            .name(),
        "StateMismatch"
    );
    assert_eq!(
        flow.receive_redirect("https://elsewhere.example/?code=C&state=S1", BASE, 1)
            .unwrap_err()
            .name(),
        "InvalidRedirect"
    );
    assert_eq!(
        flow.state_code(1),
        1,
        "foreign redirects do not end the flow"
    );
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?state=S1"), BASE, 2)
            .unwrap_err()
            .name(),
        "InvalidRedirect"
    );
    assert_eq!(flow.failure_reason(2), Some(FailureReason::InvalidRedirect));
}

#[test]
fn idle_flow_rejects_redirects_and_ignores_cancel() {
    let mut flow = AuthFlow::new();
    assert_eq!(
        flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 0)
            .unwrap_err(),
        Error::FlowNotPending
    );
    flow.cancel(0);
    assert_eq!(flow.state_code(0), 0);
    assert_eq!(
        flow.token_received("x", 0).unwrap_err(),
        Error::FlowNotPending
    );
}

#[test]
fn finished_flows_keep_their_outcome_and_a_new_begin_restarts() {
    let (mut flow, _) = begun(0);
    flow.receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1)
        .unwrap();
    flow.token_received("O", 2).unwrap();
    flow.cancel(3);
    assert_eq!(
        flow.state_code(3),
        3,
        "cancel after success changes nothing"
    );
    flow.begin(&config(Region::RestOfWorld), "S2".into(), 10, 60);
    assert_eq!(flow.state_code(10), 1);
    assert_eq!(flow.deadline(), Some(70));
}

#[test]
fn flow_resumes_after_serialisation_in_every_state() {
    let (waiting, _) = begun(0);
    let mut exchanging = waiting.clone();
    exchanging
        .receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1)
        .unwrap();
    let mut done = exchanging.clone();
    done.token_received("O", 2).unwrap();
    let mut denied = waiting.clone();
    let _ = denied.receive_redirect(
        &format!("{BASE}?code=null&error=auth_denied&state=S1"),
        BASE,
        1,
    );
    let mut failed = waiting.clone();
    failed.fail(FailureReason::WindowClosed, "", 1);
    for flow in [
        AuthFlow::new(),
        waiting.clone(),
        exchanging,
        done,
        denied,
        failed,
    ] {
        let json = flow.to_json();
        assert!(json.contains("\"schemaVersion\":1"), "{json}");
        let back = AuthFlow::from_json(&json).unwrap();
        assert_eq!(back, flow);
        assert_eq!(back.state_code(3), flow.state_code(3));
    }
    // A restored waiting flow goes on: the redirect completes it.
    let mut restored = AuthFlow::from_json(&waiting.to_json()).unwrap();
    assert!(restored
        .receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 5)
        .is_ok());
    // Another schema version or garbage is a storage error, not a panic.
    assert_eq!(
        AuthFlow::from_json("{\"schemaVersion\":2,\"phase\":\"idle\"}")
            .unwrap_err()
            .name(),
        "StorageError"
    );
    assert_eq!(
        AuthFlow::from_json("nope").unwrap_err().name(),
        "StorageError"
    );
    assert_eq!(
        AuthFlow::from_json("{\"schemaVersion\":1,\"phase\":\"martian\"}")
            .unwrap_err()
            .name(),
        "StorageError"
    );
}

#[test]
fn a_denial_without_state_ends_the_flow_only_through_a_bound_channel() {
    let (mut flow, _) = begun(0);
    let planted = format!("{BASE}?error=access_denied&error_description=<b>Attacker+text</b>");
    // From a page anyone can reach: rejected, and the flow goes on.
    assert_eq!(
        flow.receive_redirect(&planted, BASE, 5).unwrap_err().name(),
        "StateMismatch"
    );
    assert_eq!(flow.state_code(5), 1);
    // A different state is never a denial of this flow, bound or not.
    let other = format!("{BASE}?error=access_denied&state=OTHER");
    assert_eq!(
        flow.receive_redirect_from(&other, BASE, 5, RedirectChannel::Bound)
            .unwrap_err()
            .name(),
        "StateMismatch"
    );
    assert_eq!(flow.state_code(5), 1);
    // Through the flow's own channel, TikTok's stateless denial ends it; only the allowlisted
    // code is kept, never the attacker's words.
    let err = flow
        .receive_redirect_from(&planted, BASE, 6, RedirectChannel::Bound)
        .unwrap_err();
    assert_eq!(err.name(), "AccessDenied");
    assert_eq!(flow.state_code(6), 4);
    assert_eq!(
        flow.error_response().as_deref(),
        Some("error=access_denied")
    );
    let shown = format!("{err} {:?}", flow);
    assert!(!shown.contains("Attacker"), "{shown}");
    // Unknown error words are not shown either.
    let (mut flow, _) = begun(0);
    let err = flow
        .receive_redirect_from(
            &format!("{BASE}?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
            BASE,
            1,
            RedirectChannel::Bound,
        )
        .unwrap_err();
    assert!(!err.to_string().contains("script"), "{err}");
    assert_eq!(flow.error_response().as_deref(), Some("error=unknown"));
}

fn begun_by(mode: CaptureMode, worker: &str, now: i64) -> AuthFlow {
    let mut flow = AuthFlow::new();
    flow.begin_with(
        &config(Region::RestOfWorld),
        "S1".into(),
        now,
        DEFAULT_FLOW_TIMEOUT_SECS,
        FlowRunner {
            capture_mode: mode,
            tab_id: None,
            worker_id: Some(worker.to_owned()),
        },
    );
    flow
}

#[test]
fn an_orphaned_flow_can_finish_only_when_its_redirect_comes_through_a_page() {
    for mode in CaptureMode::ALL {
        // The instance that started it can always finish it.
        let waiting = begun_by(mode, "w1", 0);
        assert!(waiting.can_finish_under("w1"));
        // Another instance: the sign-in window's promise died with w1; a tab or a paste
        // still brings the redirect.
        assert_eq!(
            waiting.can_finish_under("w2"),
            mode != CaptureMode::Identity,
            "{mode:?} waiting for its redirect"
        );
        // Waiting for the token exchange: the exchange died with w1, whatever the mode.
        let mut exchanging = waiting.clone();
        exchanging
            .receive_redirect(&format!("{BASE}?code=C&state=S1"), BASE, 1)
            .unwrap();
        assert!(exchanging.can_finish_under("w1"));
        assert!(!exchanging.can_finish_under("w2"), "{mode:?} exchanging");
        // A flow stored without an instance (an older version) counts as another instance's.
        let mut unknown = waiting.clone();
        unknown.runner.worker_id = None;
        assert_eq!(
            unknown.can_finish_under("w1"),
            mode != CaptureMode::Identity
        );
    }
    // A flow that is not pending has nothing left to finish.
    let mut done = begun_by(CaptureMode::Identity, "w1", 0);
    done.cancel(1);
    assert!(done.can_finish_under("w2"));
    assert!(AuthFlow::new().can_finish_under("w2"));
}

#[test]
fn capture_modes_come_from_their_names_and_default_to_the_sign_in_window() {
    for mode in CaptureMode::ALL {
        assert_eq!(CaptureMode::parse(mode.as_str()), Some(mode));
        assert_eq!(CaptureMode::from_setting(Some(mode.as_str())), mode);
    }
    assert_eq!(CaptureMode::parse("Tab"), None);
    assert_eq!(CaptureMode::from_setting(None), CaptureMode::Identity);
    assert_eq!(
        CaptureMode::from_setting(Some("popup")),
        CaptureMode::Identity
    );
}

#[test]
fn the_runner_is_kept_with_the_flow_while_it_is_pending() {
    let mut flow = begun_by(CaptureMode::Tab, "w1", 0);
    assert!(flow.set_tab(42));
    let back = AuthFlow::from_json(&flow.to_json()).unwrap();
    assert_eq!(back, flow);
    assert_eq!(back.runner.tab_id, Some(42));
    let view = back.view(1);
    assert_eq!(view.capture_mode.as_deref(), Some("tab"));
    assert_eq!(view.tab_id, Some(42));
    // Once over, the flow forgets its tab and no tab can be recorded.
    flow.cancel(2);
    assert!(!flow.set_tab(7));
    let view = AuthFlow::from_json(&flow.to_json()).unwrap().view(3);
    assert_eq!((view.capture_mode, view.tab_id), (None, None));
    // A new flow starts with a runner of its own.
    let (fresh, _) = begun(5);
    assert_eq!(fresh.runner, FlowRunner::default());
}

#[test]
fn the_view_says_every_fact_a_page_shows() {
    let (waiting, _) = begun(0);
    let view = waiting.view(1);
    assert!(view.pending);
    assert_eq!(
        (view.state, view.failure_label, view.failure_detail),
        (1, None, None)
    );

    let mut failed = waiting.clone();
    failed.fail(FailureReason::PageLoadFailed, "check the redirect URL", 2);
    let view = failed.view(3);
    assert!(!view.pending);
    assert_eq!(view.state, 5);
    assert_eq!(
        view.failure_info.as_deref(),
        Some("authorization page could not be loaded: check the redirect URL")
    );
    assert_eq!(
        view.failure_label.as_deref(),
        Some("the authorization page could not be loaded")
    );
    assert_eq!(
        view.failure_detail.as_deref(),
        Some("check the redirect URL")
    );

    let mut cancelled = waiting.clone();
    cancelled.cancel(2);
    let view = cancelled.view(3);
    assert_eq!(view.failure_label.as_deref(), Some("cancelled"));
    assert_eq!(view.failure_detail, None, "no detail beyond the label");

    // A passed deadline not yet recorded reads as 5 with the timeout's detail.
    let view = waiting.view(10_000);
    assert!(!view.pending);
    assert_eq!(view.failure_label.as_deref(), Some("timed out"));
    assert!(view.failure_detail.unwrap().contains("in time"));

    let mut denied = waiting.clone();
    let _ = denied.receive_redirect(&format!("{BASE}?error=access_denied&state=S1"), BASE, 2);
    let view = denied.view(3);
    assert_eq!(view.state, 4);
    assert_eq!(view.denial_code.as_deref(), Some("access_denied"));
    let mut odd = waiting.clone();
    let _ = odd.receive_redirect(&format!("{BASE}?error=%3Cscript%3E&state=S1"), BASE, 2);
    assert_eq!(odd.view(3).denial_code.as_deref(), Some("unknown"));
}

#[test]
fn flows_stored_by_the_previous_version_are_read() {
    // The tagged form the previous version wrote, without the runner or failureDetail.
    let failed = AuthFlow::from_json(
        r#"{"schemaVersion":1,"phase":"failed","reason":"windowClosed","failureInfo":"window closed: the seller closed it","completedAt":9}"#,
    )
    .unwrap();
    let view = failed.view(10);
    assert_eq!(view.failure_detail.as_deref(), Some("the seller closed it"));
    assert_eq!(
        view.failure_info.as_deref(),
        Some("window closed: the seller closed it")
    );
    let waiting = AuthFlow::from_json(
        r#"{"schemaVersion":1,"phase":"waitingForRedirect","state":"S","authorizeUrl":"https://x/","startedAt":1,"deadline":100}"#,
    )
    .unwrap();
    assert_eq!(waiting.runner, FlowRunner::default());
    assert!(
        !waiting.can_finish_under("w"),
        "an identity flow of unknown origin"
    );
    // A phase missing its fields is a storage error, not a panic.
    assert_eq!(
        AuthFlow::from_json(r#"{"schemaVersion":1,"phase":"waitingForToken"}"#)
            .unwrap_err()
            .name(),
        "StorageError"
    );
}

#[test]
fn failure_reason_codes_are_what_is_stored_and_sent() {
    for reason in FailureReason::ALL {
        assert_eq!(
            serde_json::to_string(&reason).unwrap(),
            format!("\"{}\"", reason.code())
        );
        assert_eq!(FailureReason::parse(reason.code()), Some(reason));
    }
    assert_eq!(FailureReason::parse("closed"), None);
    // A stored flow with an unknown reason is a storage error, not a panic.
    assert_eq!(
        AuthFlow::from_json(r#"{"schemaVersion":1,"phase":"failed","reason":"martian"}"#)
            .unwrap_err()
            .name(),
        "StorageError"
    );
}
