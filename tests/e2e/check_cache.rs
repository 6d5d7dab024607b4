//! The on-disk cache of `guardian check` in `.guardian_cache/`. A warm run
//! reports what a cold run reports, and a changed file or steering document is
//! analyzed again. `--no-cache` and `GUARDIAN_NO_CACHE` leave no cache behind,
//! and a damaged or unwritable cache does not change the findings.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{GUARDIAN, check_json, copy_to_temp, findings, fixture, output_text, run_guardian, write_file};

const CACHE_FOLDER: &str = ".guardian_cache";

const POLICY_PATH: &str = ".guardian/steering/policy.md";

const SQL_INJECTION: &str = "import sqlite3\n\n\ndef find(name):\n    conn = sqlite3.connect(\"db\")\n    return conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n";

const CLEAN: &str = "def add(left, right):\n    return left + right\n";

/// Builds a steering document that binds `sql-injection` at a given severity.
fn sql_policy(severity: &str) -> String {
    format!("# Team Policy\n\n## Database access\n\nUse bound parameters.\n\n```guardian\ncheck: sql-injection\nseverity: {severity}\n```\n")
}

/// Creates a workspace, marked by its steering folder, with one Python file `app.py`.
fn sql_workspace(severity: &str, app_text: &str) -> tempfile::TempDir {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(POLICY_PATH), &sql_policy(severity));
    write_file(&workspace.path().join("app.py"), app_text);
    workspace
}

/// Lists the cache files (not the tag or `.gitignore`) in a workspace's cache folder.
fn cache_files(workspace: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(workspace.join(CACHE_FOLDER)) else {
        return Vec::new();
    };
    listing
        .map(|entry| entry.expect("read cache folder entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "cache"))
        .collect()
}

/// Runs `guardian check --format json .` with debug logs of the `guardian` crate on stderr.
fn check_with_debug_log(directory: &Path) -> Output {
    Command::new(GUARDIAN)
        .args(["check", "--format", "json", "."])
        .current_dir(directory)
        .env("GUARDIAN_LOG", "guardian=debug")
        .env_remove("RUST_LOG")
        .env_remove("GUARDIAN_NO_CACHE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the guardian binary")
}

/// Formats the `rule`, `path`, `line` and `severity` of every finding, in report order.
fn finding_summaries(report: &serde_json::Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|finding| format!("{} {}:{} {}", finding["rule"], finding["path"], finding["line"], finding["severity"]))
        .collect()
}

#[test]
fn warm_run_reports_same_json() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let (cold, cold_output) = check_json(workspace.path(), &["."]);
    let warm_output = check_with_debug_log(workspace.path());
    let (warm_stdout, warm_stderr) = output_text(&warm_output);
    let warm: serde_json::Value = serde_json::from_str(&warm_stdout).expect("warm stdout is JSON");

    assert!(!findings(&cold).is_empty(), "the fixture has findings");
    assert_eq!(warm, cold);
    assert_eq!(warm_output.status.code(), cold_output.status.code());
    let files_checked = &warm["summary"]["files_checked"];
    let every_file_cached = format!("cache_hits={files_checked} files={files_checked}");
    assert!(warm_stderr.contains(&every_file_cached), "expected `{every_file_cached}` in the log: {warm_stderr}");
}

#[test]
fn first_run_creates_tagged_folder() {
    let workspace = sql_workspace("error", SQL_INJECTION);

    let (_, output) = check_json(workspace.path(), &["."]);

    assert_eq!(output.status.code(), Some(1));
    let folder = workspace.path().join(CACHE_FOLDER);
    let tag = std::fs::read_to_string(folder.join("CACHEDIR.TAG")).expect("read CACHEDIR.TAG");
    assert!(tag.starts_with("Signature: 8a477f597d28d172789f06886806bc55"), "{tag}");
    let gitignore = std::fs::read_to_string(folder.join(".gitignore")).expect("read .gitignore");
    assert!(gitignore.lines().any(|line| line == "*"), "{gitignore}");
    assert_eq!(cache_files(workspace.path()).len(), 1);
}

#[test]
fn changed_file_is_analyzed_again() {
    let workspace = sql_workspace("error", CLEAN);
    let (before, before_output) = check_json(workspace.path(), &["."]);

    write_file(&workspace.path().join("app.py"), SQL_INJECTION);
    let (after, after_output) = check_json(workspace.path(), &["."]);

    assert_eq!(before_output.status.code(), Some(0));
    assert!(findings(&before).is_empty(), "{before:#}");
    assert_eq!(after_output.status.code(), Some(1));
    assert_eq!(finding_summaries(&after), vec!["\"sql-injection\" \"app.py\":6 \"error\"".to_owned()]);
}

#[test]
fn changed_steering_document_invalidates_cache() {
    let workspace = sql_workspace("warning", SQL_INJECTION);
    let (before, before_output) = check_json(workspace.path(), &["."]);

    write_file(&workspace.path().join(POLICY_PATH), &sql_policy("error"));
    let (after, after_output) = check_json(workspace.path(), &["."]);

    assert_eq!(before_output.status.code(), Some(0), "a warning is below the default --fail-on");
    assert_eq!(finding_summaries(&before), vec!["\"sql-injection\" \"app.py\":6 \"warning\"".to_owned()]);
    assert_eq!(after_output.status.code(), Some(1));
    assert_eq!(finding_summaries(&after), vec!["\"sql-injection\" \"app.py\":6 \"error\"".to_owned()]);
}

#[test]
fn steering_flag_is_part_of_key() {
    let workspace = sql_workspace("warning", SQL_INJECTION);
    let organization = tempfile::tempdir().expect("temp dir");
    write_file(&organization.path().join("org.md"), &sql_policy("error").replace("Team Policy", "Org Policy"));
    let steering = organization.path().display().to_string();

    let (without_flag, _) = check_json(workspace.path(), &["."]);
    let (with_flag, _) = check_json(workspace.path(), &["--steering", &steering, "."]);

    let cited = |report: &serde_json::Value| -> Vec<String> {
        findings(report)
            .iter()
            .flat_map(|finding| finding["citations"].as_array().cloned().unwrap_or_default())
            .map(|citation| citation["document"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(cited(&without_flag), vec!["Team Policy".to_owned()]);
    assert!(cited(&with_flag).contains(&"Org Policy".to_owned()), "{with_flag:#}");
    assert_eq!(cache_files(workspace.path()).len(), 2, "one cache file per policy");
}

#[test]
fn no_cache_flag_writes_nothing() {
    let workspace = sql_workspace("error", SQL_INJECTION);

    let (report, output) = check_json(workspace.path(), &["--no-cache", "."]);

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(findings(&report).len(), 1);
    assert!(!workspace.path().join(CACHE_FOLDER).exists(), "--no-cache created the cache folder");
}

#[test]
fn no_cache_variable_writes_nothing() {
    let workspace = sql_workspace("error", SQL_INJECTION);

    let output = Command::new(GUARDIAN)
        .args(["check", "--format", "json", "."])
        .current_dir(workspace.path())
        .env("GUARDIAN_NO_CACHE", "1")
        .env_remove("GUARDIAN_LOG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run the guardian binary");

    assert_eq!(output.status.code(), Some(1));
    assert!(!workspace.path().join(CACHE_FOLDER).exists(), "GUARDIAN_NO_CACHE=1 created the cache folder");
}

#[test]
fn no_cache_ignores_existing_cache() {
    let workspace = sql_workspace("error", SQL_INJECTION);
    check_json(workspace.path(), &["."]);
    let cache_file = cache_files(workspace.path()).pop().expect("a cache file");
    let written = std::fs::read(&cache_file).expect("read cache file");

    write_file(&workspace.path().join("app.py"), CLEAN);
    let (report, output) = check_json(workspace.path(), &["--no-cache", "."]);

    assert_eq!(output.status.code(), Some(0));
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(std::fs::read(&cache_file).expect("read cache file"), written, "--no-cache rewrote the cache");
}

#[test]
fn corrupt_cache_is_ignored() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let (cold, _) = check_json(workspace.path(), &["."]);
    let cache_file = cache_files(workspace.path()).pop().expect("a cache file");

    let damages: [(&str, Vec<u8>); 3] = [
        ("garbage", b"not a cache file at all".to_vec()),
        ("truncated", std::fs::read(&cache_file).expect("read cache file")[..40].to_vec()),
        ("empty", Vec::new()),
    ];
    for (damage, bytes) in damages {
        std::fs::write(&cache_file, &bytes).expect("damage the cache file");

        let (report, output) = check_json(workspace.path(), &["."]);
        let (_, stderr) = output_text(&output);

        assert_eq!(report, cold, "findings after a {damage} cache file");
        assert_eq!(output.status.code(), Some(1), "{damage}: {stderr}");
        assert!(stderr.contains("WARN guardian::cache"), "{damage}: expected a cache warning: {stderr}");
        assert!(!stderr.contains("ERROR"), "{damage}: unexpected error: {stderr}");
        let rewritten = std::fs::read(&cache_file).expect("read cache file");
        assert_ne!(rewritten, bytes, "{damage}: the cache file was not rewritten");
    }
}

#[test]
fn flipped_byte_in_cache_is_ignored() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let (cold, _) = check_json(workspace.path(), &["."]);
    let cache_file = cache_files(workspace.path()).pop().expect("a cache file");

    let mut bytes = std::fs::read(&cache_file).expect("read cache file");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&cache_file, &bytes).expect("damage the cache file");
    let (report, _) = check_json(workspace.path(), &["."]);

    assert_eq!(report, cold);
}

#[test]
fn unwritable_cache_is_ignored() {
    let workspace = sql_workspace("error", SQL_INJECTION);
    // A file where the cache folder belongs makes both reading and writing fail.
    write_file(&workspace.path().join(CACHE_FOLDER), "not a folder\n");

    let (report, output) = check_json(workspace.path(), &["."]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("WARN guardian::cache"), "expected a cache warning: {stderr}");
    assert!(!stderr.contains("ERROR"), "unexpected error: {stderr}");
    assert_eq!(finding_summaries(&report), vec!["\"sql-injection\" \"app.py\":6 \"error\"".to_owned()]);
}

#[test]
fn fix_after_warm_run_rewrites_file() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let (before, _) = check_json(workspace.path(), &["."]);

    let fixed = run_guardian(workspace.path(), &["check", "--fix", "."]);
    let (after, _) = check_json(workspace.path(), &["--no-cache", "."]);
    let (warm_after, _) = check_json(workspace.path(), &["."]);

    let (_, fix_stderr) = output_text(&fixed);
    assert!(fix_stderr.contains("Fixed "), "{fix_stderr}");
    assert!(findings(&after).len() < findings(&before).len(), "--fix removed no finding");
    assert_eq!(warm_after, after, "the cache returned findings of the text before --fix");
}

#[test]
fn cache_is_not_walked_as_source() {
    let workspace = sql_workspace("error", SQL_INJECTION);
    check_json(workspace.path(), &["."]);
    // A Python file inside the cache folder must never be reported: the folder is hidden and ignored.
    write_file(&workspace.path().join(CACHE_FOLDER).join("stray.py"), SQL_INJECTION);

    let (report, _) = check_json(workspace.path(), &["."]);

    assert_eq!(report["summary"]["files_checked"], 1, "{report:#}");
}
