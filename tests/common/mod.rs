//! Shared by the native test files (each includes it with `mod common`).
#![allow(dead_code)]

use std::path::PathBuf;

/// The bytes of a file under tests/fixtures.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The text of a file under tests/fixtures.
pub fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}
