//! `guardian check --fix` and `--diff`: fixes written in place, the findings
//! that remain, the file still valid Python, diffs that leave the file alone
//! and never show a secret.

use std::path::Path;
use std::process::Command;

use crate::support::{self, check_json, copy_to_temp, findings, fixture, output_text, run_guardian, write_file};

/// Compiles a Python file with `python3 -m py_compile`; returns `None` when python3 is missing.
fn python_compiles(path: &Path) -> Option<bool> {
    let output = Command::new("python3").args(["-m", "py_compile"]).arg(path).output().ok()?;
    Some(output.status.success())
}

fn assert_compiles(path: &Path) {
    match python_compiles(path) {
        Some(compiles) => assert!(compiles, "{} no longer compiles", path.display()),
        None => eprintln!("skipping the py_compile check: python3 is not available"),
    }
}

fn rules_on_line(report: &serde_json::Value, path: &str, line: u64) -> Vec<String> {
    findings(report)
        .iter()
        .filter(|finding| finding["path"] == path && finding["line"] == line)
        .map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn fix_rewrites_fixture_and_reports_count() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let (before, _) = check_json(workspace.path(), &["."]);
    let fixable = findings(&before)
        .iter()
        .filter(|finding| finding["fixes"].as_array().is_some_and(|fixes| fixes.iter().any(|fix| fix["kind"] == "rewrite")))
        .count();

    let output = run_guardian(workspace.path(), &["check", "--fix", "--no-color", "."]);
    let (stdout, stderr) = output_text(&output);
    let (after, after_output) = check_json(workspace.path(), &["."]);

    assert!(fixable >= 4, "the fixture has rewrite fixes: {fixable}");
    assert!(stderr.contains(&format!("Fixed {fixable} findings in ")), "{stderr}");
    assert_eq!(output.status.code(), after_output.status.code(), "--fix exits by the remaining findings");
    assert!(stdout.contains("template-injection"), "findings without a fix remain: {stdout}");
    assert!(rules_on_line(&after, "shop/orders.py", 9).is_empty(), "{after:#}");
    assert!(rules_on_line(&after, "shop/settings.py", 5).is_empty(), "{after:#}");
    assert!(findings(&after).iter().all(|finding| finding["rule"] != "hardcoded-secret"), "{after:#}");

    let orders = std::fs::read_to_string(workspace.path().join("shop/orders.py")).expect("read orders.py");
    assert!(orders.contains("conn.execute(\"SELECT id FROM orders WHERE customer = ?\", (customer,))"), "{orders}");
    for file in ["shop/orders.py", "shop/settings.py", "shop/web.py"] {
        assert_compiles(&workspace.path().join(file));
    }
}

#[test]
fn fix_is_idempotent() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    run_guardian(workspace.path(), &["check", "--fix", "."]);
    let settings = std::fs::read_to_string(workspace.path().join("shop/settings.py")).expect("read settings.py");

    let second = run_guardian(workspace.path(), &["check", "--fix", "."]);
    let (_, stderr) = output_text(&second);

    assert!(stderr.contains("Fixed 0 findings in 0 files."), "{stderr}");
    let unchanged = std::fs::read_to_string(workspace.path().join("shop/settings.py")).expect("read settings.py");
    assert_eq!(settings, unchanged);
}

#[test]
fn fix_adds_import_once_for_two_secrets() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let source = "DB_PASSWORD = \"Vq7#pLm2!xTr9zKw\"\nAPI_TOKEN = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"\n";
    write_file(&workspace.path().join("settings.py"), source);

    let output = run_guardian(workspace.path(), &["check", "--fix", "."]);
    let (_, stderr) = output_text(&output);
    let fixed = std::fs::read_to_string(workspace.path().join("settings.py")).expect("read settings.py");

    assert_eq!(output.status.code(), Some(0), "no finding remains: {stderr}");
    assert!(stderr.contains("Fixed 2 findings in 1 file."), "{stderr}");
    assert_eq!(fixed.matches("import os").count(), 1, "{fixed}");
    assert!(fixed.contains("DB_PASSWORD = os.environ[\"DB_PASSWORD\"]"), "{fixed}");
    assert!(fixed.contains("API_TOKEN = os.environ[\"API_TOKEN\"]"), "{fixed}");
    assert_compiles(&workspace.path().join("settings.py"));
}

#[test]
fn diff_leaves_files_and_masks_secrets() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));
    let settings_path = workspace.path().join("shop/settings.py");
    let original = std::fs::read_to_string(&settings_path).expect("read settings.py");

    let output = run_guardian(workspace.path(), &["check", "--diff", "."]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(std::fs::read_to_string(&settings_path).expect("read settings.py"), original);
    assert!(stderr.contains("Would fix "), "{stderr}");
    assert!(!stdout.contains("Vq7#pLm2!xTr9zKw"), "the password leaked: {stdout}");
    assert!(!stdout.contains("sk_live_51GuardianFixture0000Key"), "the Stripe key leaked: {stdout}");
    insta::assert_snapshot!("vulnerable_project_diff", stdout);
}

#[test]
fn diff_masks_suppressed_secrets_in_context() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let source = concat!(
        "import requests\n",
        "# guardian: ignore[hardcoded-secret] reason=\"staging key, rotated weekly\"\n",
        "STAGING_API_KEY = \"sk_live_51GuardianSuppressed0Key9x\"\n",
        "\n",
        "def fetch(url):\n",
        "    return requests.get(url, verify=False, timeout=5)\n",
    );
    write_file(&workspace.path().join("client.py"), source);

    let output = run_guardian(workspace.path(), &["check", "--diff", "."]);
    let (stdout, stderr) = output_text(&output);

    assert!(stdout.contains("verify=False"), "the TLS fix should be in the diff: {stdout}{stderr}");
    assert!(stdout.contains("STAGING_API_KEY"), "the secret's line should be diff context: {stdout}");
    assert!(!stdout.contains("sk_live_51GuardianSuppressed0Key9x"), "the suppressed key leaked: {stdout}");
}

#[test]
fn fix_keeps_file_permissions() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let path = workspace.path().join("settings.py");
    write_file(&path, "DB_PASSWORD = \"Vq7#pLm2!xTr9zKw\"\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("set permissions");
    }

    run_guardian(workspace.path(), &["check", "--fix", "."]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o7777, 0o640);
    }
    let leftovers: Vec<_> = std::fs::read_dir(workspace.path())
        .expect("read folder")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".guardian-fix-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}

/// The Fry Factory example: its SQL f-string, TLS and secret findings are fixed and the app still compiles.
#[test]
fn fix_fry_factory() {
    let Some(source) = support::shared_path("examples/fry-factory") else { return };
    let workspace = copy_to_temp(&source);
    let (before, _) = check_json(workspace.path(), &["."]);
    let sql_line = findings(&before)
        .iter()
        .find(|finding| finding["rule"] == "sql-injection")
        .and_then(|finding| finding["line"].as_u64())
        .expect("an sql-injection finding");

    let output = run_guardian(workspace.path(), &["check", "--fix", "."]);
    let (_, stderr) = output_text(&output);
    let (after, _) = check_json(workspace.path(), &["."]);
    let remaining: Vec<String> = findings(&after).iter().map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned()).collect();

    assert!(stderr.contains("Fixed "), "{stderr}");
    assert!(rules_on_line(&after, "app.py", sql_line).is_empty(), "the f-string query is fixed: {after:#}");
    for rule in ["hardcoded-secret", "tls-verification-disabled", "sql-injection"] {
        assert!(!remaining.iter().any(|remaining_rule| remaining_rule == rule), "{rule} remains: {remaining:?}");
    }
    assert_compiles(&workspace.path().join("app.py"));
}
