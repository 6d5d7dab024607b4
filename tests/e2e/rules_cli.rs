//! `guardian rules` and `guardian rules explain NAME`.

use crate::support::{output_text, run_guardian};

/// The checks every build must ship.
const BUILT_IN_CHECKS: &[&str] = &[
    "hardcoded-secret",
    "sql-injection",
    "command-injection",
    "template-injection",
    "weak-crypto",
    "tls-verification-disabled",
    "debug-enabled",
    "deserialization",
];

#[test]
fn rules_lists_every_check() {
    let directory = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(directory.path(), &["rules"]);
    let (stdout, _) = output_text(&output);

    assert_eq!(output.status.code(), Some(0));
    for check in BUILT_IN_CHECKS {
        let line = stdout.lines().find(|line| line.split_whitespace().next() == Some(check));
        let line = line.unwrap_or_else(|| panic!("`guardian rules` does not list {check}:\n{stdout}"));
        let severity = line.split_whitespace().nth(1).unwrap_or_default();
        assert!(["error", "warning", "info", "hint"].contains(&severity), "bad severity in `{line}`");
        assert!(line.split_whitespace().count() > 2, "no summary in `{line}`");
    }
}

#[test]
fn rules_explain_prints_documentation() {
    let directory = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(directory.path(), &["rules", "explain", "sql-injection"]);
    let (stdout, _) = output_text(&output);

    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.starts_with("# sql-injection\n"), "{stdout}");
    assert!(stdout.contains("Default severity:"), "{stdout}");
    assert!(stdout.lines().count() > 10, "the documentation is too short:\n{stdout}");
}

#[test]
fn rules_explain_unknown_suggests_name() {
    let directory = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(directory.path(), &["rules", "explain", "sql-injections"]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("unknown check `sql-injections`"), "{stderr}");
    assert!(stderr.contains("did you mean `sql-injection`?"), "{stderr}");
}
