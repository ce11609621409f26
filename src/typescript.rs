//! The TypeScript declarations of every model crossing into JavaScript, generated from the
//! Rust structs (`ts-rs`, under `cfg(test)` only: nothing of it is in the wasm) into
//! `types/tiktok-shop-connect.d.ts`, which the bindings include in the package's `.d.ts`.
//!
//! `declarations_are_current` fails while the checked-in file differs from what the structs
//! say (`make lint` runs it): a field added to a boundary struct is declared, or the build
//! says so. `UPDATE_TYPES=1 cargo test --lib typescript` rewrites the file.

use ts_rs::TS;

/// Where the declarations are kept, from the crate's root.
const DECLARATIONS_PATH: &str = "types/tiktok-shop-connect.d.ts";

fn declaration<T: TS>() -> String {
    format!("export {}\n", T::decl())
}

/// The whole file, in a stable order.
fn declarations() -> String {
    let capture_modes = crate::flow::CaptureMode::ALL
        .iter()
        .map(|mode| format!("\"{}\"", mode.as_str()))
        .collect::<Vec<_>>()
        .join(" | ");
    let mut out = String::from(
        "// Generated from the Rust structs by src/typescript.rs: do not edit by hand.\n\
         // `UPDATE_TYPES=1 cargo test --lib typescript` rewrites it; `make lint` checks it.\n\n",
    );
    out.push_str(&format!(
        "/** How a flow's redirect is captured. */\nexport type CaptureMode = {capture_modes};\n"
    ));
    for part in [
        declaration::<crate::config::ClientConfigInput>(),
        declaration::<crate::config::EndpointOverrides>(),
        declaration::<crate::views::AuthorizationStart>(),
        declaration::<crate::views::BeginOptions>(),
        declaration::<crate::views::CompleteOptions>(),
        declaration::<crate::views::FailOptions>(),
        declaration::<crate::error::FailureReason>(),
        declaration::<crate::flow::FlowStateView>(),
        declaration::<crate::policy::AccountStatus>(),
        declaration::<crate::client::account::AccountReason>(),
        declaration::<crate::client::account::AccountSummary>(),
        declaration::<crate::client::ApiCall>(),
        declaration::<crate::client::index::StatusCounts>(),
        declaration::<crate::client::PageRequest>(),
        declaration::<crate::client::AccountsPage>(),
        declaration::<crate::client::index::AttentionItem>(),
        declaration::<crate::client::index::Overview>(),
        declaration::<crate::client::DueRefreshOptions>(),
        declaration::<crate::client::DueRefreshReport>(),
        declaration::<crate::client::ImportOptions>(),
        declaration::<crate::client::ImportOutcome>(),
        declaration::<crate::client::account::Shop>(),
        declaration::<crate::views::TokenSetView>(),
        declaration::<crate::views::RedirectCodeView>(),
    ] {
        out.push_str(&part);
    }
    out
}

#[test]
fn declarations_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DECLARATIONS_PATH);
    let generated = declarations();
    if std::env::var_os("UPDATE_TYPES").is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{DECLARATIONS_PATH}: {e}"));
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "{DECLARATIONS_PATH} is not what the Rust structs declare: run \
         `UPDATE_TYPES=1 cargo test --lib typescript` and commit it"
    );
}
