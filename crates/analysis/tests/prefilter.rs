//! The keyword prefilter must not lose findings. Every analysis in these
//! tests runs with and without the prefilter (see `common`). Each file here
//! is a case where a naive scan of the raw text misses the trigger word:
//! literals joined by implicit concatenation (also inside an f-string's
//! `{…}`) or by a backslash-newline (LF or CRLF), and an all-interfaces
//! address inside a ZeroMQ endpoint.

mod common;

use std::path::Path;

#[test]
fn split_literals_keep_their_findings() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/split-literals");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the fixture folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the fixtures are missing from {}", folder.display());

    let policy = common::all_checks_policy();
    for path in files {
        let source = std::fs::read_to_string(&path).expect("the fixture is readable");
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        let findings = common::analyze_with_policy(&source, &policy, Path::new(&name));
        assert!(
            !findings.is_empty(),
            "{name} should have a finding with or without the prefilter"
        );
    }
}
