//! `guardian policy check` and `guardian policy explain` on the project's
//! fixture and on small workspaces: diagnostics, exit statuses, bindings
//! with their reasons, and the filter by file.

use crate::support::{copy_to_temp, fixture, output_text, run_guardian, write_file};

const BROKEN_POLICY: &str = "# Team Policy\n\n## Database access\n\n```guardian\ncheck: sql-injecton\n```\n\n## Secrets\n\nNo credentials in code.\n";

const SCOPED_POLICY: &str = "# Team Policy\n\n## SQL\n\n```guardian\ncheck: sql-injection\nfiles: [\"api/**\"]\n```\n\n## Secrets\n\nNo credentials in code.\n";

#[test]
fn policy_check_reports_broken_block() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/team.md"), BROKEN_POLICY);

    let output = run_guardian(workspace.path(), &["policy", "check"]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2), "an error-severity problem exits 2; stderr: {stderr}");
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with(".guardian/steering/team.md:6:"), "{stdout}");
    assert!(first.contains(": error[unknown-check] "), "{stdout}");
    insta::assert_snapshot!("broken_policy_check", stdout);
}

#[test]
fn policy_check_json_lists_problems() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/team.md"), BROKEN_POLICY);

    let output = run_guardian(workspace.path(), &["policy", "check", "--format", "json", "."]);
    let (stdout, _) = output_text(&output);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");

    assert_eq!(output.status.code(), Some(2));
    assert_eq!(report["version"], 1);
    let problem = &report["problems"][0];
    assert_eq!(problem["path"], ".guardian/steering/team.md");
    assert_eq!(problem["code"], "unknown-check");
    assert_eq!(problem["severity"], "error");
    assert_eq!(problem["line"], 6);
    assert!(problem["column"].as_u64().is_some_and(|column| column >= 1));
    assert!(report["summary"]["errors"].as_u64().is_some_and(|errors| errors >= 1));
}

#[test]
fn policy_check_clean_exits_zero() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let output = run_guardian(workspace.path(), &["policy", "check", "."]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stdout.contains("error["), "{stdout}");
}

#[test]
fn policy_check_missing_path_exits_two() {
    let workspace = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(workspace.path(), &["policy", "check", "no-such-folder"]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("path not found: no-such-folder"), "{stderr}");
}

#[test]
fn policy_explain_snapshot() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let output = run_guardian(workspace.path(), &["policy", "explain"]);
    let (stdout, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(0), "{stderr}");
    insta::assert_snapshot!("vulnerable_project_explain", stdout);
}

#[test]
fn policy_explain_shows_block_and_topic() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/team.md"), SCOPED_POLICY);

    let output = run_guardian(workspace.path(), &["policy", "explain", "--format", "json"]);
    let (stdout, _) = output_text(&output);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let bindings = report["bindings"].as_array().cloned().unwrap_or_default();
    let active = |rule: &str| bindings.iter().find(|binding| binding["rule"] == rule && binding["active"] == true).cloned();

    let sql = active("sql-injection").expect("an active sql-injection binding");
    assert_eq!(sql["binding"]["kind"], "block");
    assert_eq!(sql["section"], "Team Policy › SQL");
    assert_eq!(sql["path"], ".guardian/steering/team.md");
    assert_eq!(sql["line"], 3);
    assert_eq!(sql["files"], serde_json::json!(["api/**"]));

    let secret = active("hardcoded-secret").expect("an active hardcoded-secret binding");
    assert_eq!(secret["binding"]["kind"], "topic");
    assert_eq!(secret["binding"]["word"], "secrets");
    assert_eq!(secret["effective_severity"], "error", "the check's default applies");
}

#[test]
fn policy_explain_file_filters_rules() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/team.md"), SCOPED_POLICY);
    write_file(&workspace.path().join("api/views.py"), "x = 1\n");
    write_file(&workspace.path().join("scripts/tool.py"), "x = 1\n");

    let rules_for = |file: &str| {
        let output = run_guardian(workspace.path(), &["policy", "explain", "--format", "json", file]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let rules: Vec<String> = report["bindings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|binding| binding["rule"].as_str().unwrap_or_default().to_owned())
            .collect();
        (report["file"].clone(), rules)
    };
    let (api_file, api_rules) = rules_for("api/views.py");
    let (_, script_rules) = rules_for("scripts/tool.py");

    assert_eq!(api_file, "api/views.py");
    assert!(api_rules.contains(&"sql-injection".to_owned()), "{api_rules:?}");
    assert!(api_rules.contains(&"hardcoded-secret".to_owned()), "{api_rules:?}");
    assert!(!script_rules.contains(&"sql-injection".to_owned()), "files: [api/**] excludes scripts: {script_rules:?}");
    assert!(script_rules.contains(&"hardcoded-secret".to_owned()), "{script_rules:?}");
}

#[test]
fn policy_explain_missing_file_exits_two() {
    let workspace = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(workspace.path(), &["policy", "explain", "nope.py"]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("file not found: nope.py"), "{stderr}");
}
