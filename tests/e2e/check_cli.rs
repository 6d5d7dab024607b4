//! `guardian check` on the project's own fixtures and on small workspaces
//! built by each test: output formats, exit statuses, walking and policy
//! discovery.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::support::{self, GUARDIAN, check_json, copy_to_temp, findings, fixture, output_text, read_markers, run_guardian, write_file};

/// Builds a steering document that binds `sql-injection` at a given severity.
fn sql_policy(severity: &str) -> String {
    format!("# Team Policy\n\n## Database access\n\nUse bound parameters.\n\n```guardian\ncheck: sql-injection\nseverity: {severity}\n```\n")
}

const SQL_INJECTION: &str = "import sqlite3\n\n\ndef find(name):\n    conn = sqlite3.connect(\"db\")\n    return conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n";

#[test]
fn text_output_snapshot() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let output = run_guardian(workspace.path(), &["check", "--no-color", "."]);
    let (stdout, stderr) = output_text(&output);
    let stdout = stdout.replace(&workspace.path().display().to_string(), "[WORKSPACE]");

    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    insta::assert_snapshot!("vulnerable_project_text", stdout);
}

#[test]
fn fixture_markers_match_json() {
    let source = fixture("vulnerable-project");
    let workspace = copy_to_temp(&source);

    let (report, output) = check_json(workspace.path(), &["."]);
    let reported = findings(&report);

    assert_eq!(output.status.code(), Some(1));
    let mut checked_categories = std::collections::BTreeSet::new();
    for file in ["shop/settings.py", "shop/orders.py", "shop/web.py"] {
        for marker in read_markers(&source.join(file)) {
            let on_line: Vec<&serde_json::Value> = reported
                .iter()
                .filter(|finding| finding["path"] == file && finding["line"] == marker.line)
                .collect();

            if marker.category == "clean" {
                assert!(on_line.is_empty(), "{file}:{} should be clean: {on_line:#?}", marker.line);
            } else {
                let found = on_line.iter().any(|finding| finding["rule"] == marker.category.as_str());
                assert!(found, "{file}:{} expects {}: {on_line:#?}", marker.line, marker.category);
                checked_categories.insert(marker.category.clone());
            }
        }
    }
    assert_eq!(checked_categories.len(), 8, "the fixture covers every built-in check: {checked_categories:?}");
}

#[test]
fn json_findings_cite_workspace_policy() {
    let workspace = copy_to_temp(&fixture("vulnerable-project"));

    let (report, _) = check_json(workspace.path(), &["."]);

    assert_eq!(report["version"], 1);
    let sql = findings(&report)
        .into_iter()
        .find(|finding| finding["rule"] == "sql-injection")
        .expect("an sql-injection finding");
    assert_eq!(sql["category"], "sql-injection");
    assert_eq!(sql["severity"], "error");
    assert_eq!(sql["citations"][0]["document"], "Acme Shop Security Policy");
    assert_eq!(sql["citations"][0]["section"], "Acme Shop Security Policy › Injection › SQL");
    assert_eq!(sql["citations"][0]["path"], ".guardian/steering/policy.md");
    assert_eq!(sql["citations"][0]["line"], 22);
    assert!(sql["end_line"].as_u64() >= sql["line"].as_u64());
    assert_eq!(report["summary"]["by_rule"]["sql-injection"], 1);
}

#[test]
fn project_without_steering_cites_bundled_default() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join("app.py"), SQL_INJECTION);

    let (report, output) = check_json(workspace.path(), &["."]);
    let sql = findings(&report)
        .into_iter()
        .find(|finding| finding["rule"] == "sql-injection")
        .expect("an sql-injection finding under the bundled policy");

    assert_eq!(output.status.code(), Some(1));
    let cited_path = sql["citations"][0]["path"].as_str().unwrap_or_default();
    assert!(cited_path.starts_with("bundled:"), "cites {cited_path}");
}

#[test]
fn fail_on_threshold_sets_exit_status() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/policy.md"), &sql_policy("warning"));
    write_file(&workspace.path().join("app.py"), SQL_INJECTION);

    let default_threshold = run_guardian(workspace.path(), &["check", "."]);
    let warning_threshold = run_guardian(workspace.path(), &["check", "--fail-on", "warning", "."]);
    let hint_threshold = run_guardian(workspace.path(), &["check", "--fail-on", "hint", "."]);

    assert_eq!(default_threshold.status.code(), Some(0), "{:?}", output_text(&default_threshold));
    assert_eq!(warning_threshold.status.code(), Some(1));
    assert_eq!(hint_threshold.status.code(), Some(1));
}

#[test]
fn clean_project_exits_zero() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join("app.py"), "def add(a, b):\n    return a + b\n");

    let output = run_guardian(workspace.path(), &["check", "."]);
    let (stdout, _) = output_text(&output);

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout.trim(), "No findings in 1 file.");
}

#[test]
fn missing_path_exits_two() {
    let workspace = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(workspace.path(), &["check", "does-not-exist"]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("path not found: does-not-exist"), "{stderr}");
}

#[test]
fn missing_steering_folder_exits_two() {
    let workspace = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(workspace.path(), &["check", "--steering", "no-such-folder", "."]);

    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn unknown_format_is_usage_error() {
    let workspace = tempfile::tempdir().expect("temp dir");

    let output = run_guardian(workspace.path(), &["check", "--format", "xml", "."]);

    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn organization_steering_flag_is_cited() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let organization = tempfile::tempdir().expect("temp dir");
    write_file(&organization.path().join("org.md"), &sql_policy("error").replace("Team Policy", "Org Policy"));
    write_file(&workspace.path().join("app.py"), SQL_INJECTION);
    let steering = organization.path().display().to_string();

    let (report, _) = check_json(workspace.path(), &["--steering", &steering, "."]);
    let sql = findings(&report)
        .into_iter()
        .find(|finding| finding["rule"] == "sql-injection")
        .expect("an sql-injection finding");

    assert_eq!(sql["citations"][0]["document"], "Org Policy");
}

#[test]
fn broken_rule_block_warns_and_policy_applies() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let policy = format!("{}\n## Broken\n\n```guardian\ncheck: no-such-check\n```\n", sql_policy("error"));
    write_file(&workspace.path().join(".guardian/steering/policy.md"), &policy);
    write_file(&workspace.path().join("app.py"), SQL_INJECTION);

    let (report, output) = check_json(workspace.path(), &["."]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(1), "the rest of the policy still applies");
    assert!(stderr.contains("warning: steering document .guardian/steering/policy.md:"), "{stderr}");
    let problems = report["policy_problems"].as_array().cloned().unwrap_or_default();
    assert!(!problems.is_empty(), "policy_problems is empty");
    assert!(findings(&report).iter().any(|finding| finding["rule"] == "sql-injection"));
}

#[test]
fn unreadable_steering_document_exits_two() {
    let workspace = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(workspace.path().join(".guardian/steering")).expect("create steering folder");
    std::fs::write(workspace.path().join(".guardian/steering/latin1.md"), b"# Politique de s\xe9curit\xe9\n").expect("write file");
    write_file(&workspace.path().join("app.py"), "x = 1\n");

    let output = run_guardian(workspace.path(), &["check", "."]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("failed to load steering document"), "{stderr}");
    assert!(stderr.contains("latin1.md"), "{stderr}");
}

#[test]
fn gitignored_files_are_skipped_without_git() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".gitignore"), "build/\n");
    write_file(&workspace.path().join("build/generated.py"), SQL_INJECTION);
    write_file(&workspace.path().join("src/app.py"), SQL_INJECTION);

    let (report, _) = check_json(workspace.path(), &["."]);
    let paths: Vec<String> = findings(&report)
        .iter()
        .map(|finding| finding["path"].as_str().unwrap_or_default().to_owned())
        .collect();

    assert!(paths.iter().all(|path| path == "src/app.py"), "{paths:?}");
    assert!(!paths.is_empty());
}

#[test]
fn workspace_root_found_from_subfolder() {
    let workspace = tempfile::tempdir().expect("temp dir");
    write_file(&workspace.path().join(".guardian/steering/policy.md"), &sql_policy("warning"));
    write_file(&workspace.path().join("src/pkg/app.py"), SQL_INJECTION);

    let (report, _) = check_json(&workspace.path().join("src"), &["pkg"]);
    let sql = findings(&report)
        .into_iter()
        .find(|finding| finding["rule"] == "sql-injection")
        .expect("an sql-injection finding");

    assert_eq!(sql["path"], "pkg/app.py");
    assert_eq!(sql["severity"], "warning", "the workspace policy found above the given folder applies");
}

#[test]
fn invalid_utf8_file_is_skipped() {
    let workspace = tempfile::tempdir().expect("temp dir");
    std::fs::write(workspace.path().join("latin1.py"), b"name = '\xe9t\xe9'\n").expect("write file");
    write_file(&workspace.path().join("app.py"), SQL_INJECTION);

    let (report, output) = check_json(workspace.path(), &["."]);
    let (_, stderr) = output_text(&output);

    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("warning: skipped latin1.py: not valid UTF-8"), "{stderr}");
    assert_eq!(report["skipped"][0]["path"], "latin1.py");
    assert_eq!(report["summary"]["files_checked"], 1);
}

#[test]
fn closed_stdout_pipe_is_not_a_panic() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let mut source = String::from("import sqlite3\nconn = sqlite3.connect('db')\n\n\ndef find(name):\n");
    for index in 0..3000 {
        source.push_str(&format!("    conn.execute(f\"SELECT * FROM t{index} WHERE name = '{{name}}'\")\n"));
    }
    write_file(&workspace.path().join("app.py"), &source);

    let mut child = Command::new(GUARDIAN)
        .args(["check", "--no-color", "."])
        .current_dir(workspace.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn guardian");
    let mut first_bytes = [0_u8; 16];
    child.stdout.take().expect("stdout").read_exact(&mut first_bytes).expect("read the first bytes");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    let status = child.wait().expect("wait for guardian");

    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "exit status 101 means a panic");
    assert_eq!(status.code(), Some(1), "findings were found; stderr: {stderr}");
}

#[test]
fn output_is_sorted_by_path_and_line() {
    let workspace = tempfile::tempdir().expect("temp dir");
    for name in ["b.py", "a.py", "c/a.py"] {
        let doubled = format!("{SQL_INJECTION}    conn.execute(f\"DELETE FROM t WHERE name = '{{name}}'\")\n");
        write_file(&workspace.path().join(name), &doubled);
    }

    let (report, _) = check_json(workspace.path(), &["."]);
    let order: Vec<(String, u64)> = findings(&report)
        .iter()
        .map(|finding| (finding["path"].as_str().unwrap_or_default().to_owned(), finding["line"].as_u64().unwrap_or(0)))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();

    assert_eq!(order.len(), 6, "{order:?}");
    assert_eq!(order, sorted);
}

/// The shared case corpus, scored by its own script from the binary's JSON:
/// every expected finding is found and no clean line carries a finding.
#[test]
fn case_corpus_scores_without_misses() {
    let Some(cases) = support::shared_path("cases") else { return };
    let copy = copy_to_temp(&cases);

    let output = run_guardian(copy.path(), &["check", "--format", "json", "python"]);
    let report_path = copy.path().join("findings.json");
    std::fs::write(&report_path, &output.stdout).expect("write findings");
    let scored = Command::new("python3")
        .arg(copy.path().join("score.py"))
        .arg(&report_path)
        .arg("--json")
        .output();
    let Ok(scored) = scored else {
        eprintln!("skipping: python3 is not available to run the case scorer");
        return;
    };
    let summary: serde_json::Value = serde_json::from_slice(&scored.stdout).expect("scorer prints JSON");

    assert_eq!(summary["total"]["findings_read"], findings(&serde_json::from_slice(&output.stdout).expect("json")).len());
    let total = &summary["total"];
    assert!(total["expected"].as_u64().unwrap_or(0) > 0, "the scorer read no markers: {total:#}");
    assert_eq!(total["found"], total["expected"], "{total:#}");
    assert_eq!(total["missed"], 0, "{total:#}");
    assert_eq!(total["clean_lines_violated"], 0, "{total:#}");
    assert_eq!(total["wrong_category"], 0, "{total:#}");
}

