//! Helpers shared by the test suites of every Guardian crate.
//!
//! The shared example data (the Fry Factory app, the detection cases) lives
//! outside this repository, in a `shared/` folder beside the checkout. A
//! user's clone has no such folder, so tests that read it skip with a message.
//! Under `CI=true` its absence fails them instead, because CI must not pass by
//! skipping.

use std::path::PathBuf;

/// The environment variable that overrides where the shared data is read from.
pub const SHARED_DIR_VARIABLE: &str = "GUARDIAN_SHARED_DIR";

/// Returns the shared data folder: `$GUARDIAN_SHARED_DIR`, else `shared/` beside the checkout.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(SHARED_DIR_VARIABLE) {
        return PathBuf::from(dir);
    }
    // This crate is `<checkout>/crates/test-support`.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Returns a path inside the shared data, or `None` after printing why the test skips.
///
/// # Panics
///
/// Panics when the path is absent and `CI=true`, because CI must run every test.
#[expect(clippy::print_stderr, reason = "a skipped test says why on stderr")]
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = shared_dir().join(relative);
    if path.exists() {
        return Some(path);
    }

    let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    assert!(!in_ci, "shared test data not found at {}; CI=true requires it", path.display());
    eprintln!(
        "skipping: shared test data not found at {} (set {SHARED_DIR_VARIABLE} to run this test)",
        path.display()
    );
    None
}
