//! Layering of steering documents through `guardian check`: a workspace
//! document may add rules and raise severities, but never lower or disable a
//! rule that an organization document binds.

use crate::support::{check_json, findings, write_file};

const ORGANIZATION_POLICY: &str = "# Org Standard\n\n## Database access\n\nStatements are sent with bound parameters.\n\n```guardian\ncheck: sql-injection\nseverity: error\n```\n";

const APP: &str = "import sqlite3\n\n\ndef find(conn, name):\n    return conn.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n";

/// Writes an organization folder and a workspace whose own document binds `sql-injection` with `severity`.
fn layered_workspace(severity: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().expect("temp dir");
    let organization = folder.path().join("org-policy");
    write_file(&organization.join("standard.md"), ORGANIZATION_POLICY);

    let workspace = folder.path().join("app");
    let team_policy = format!("# Team Rules\n\n## SQL\n\n```guardian\ncheck: sql-injection\nseverity: {severity}\n```\n");
    write_file(&workspace.join(".guardian/steering/team.md"), &team_policy);
    write_file(&workspace.join("app.py"), APP);
    std::fs::create_dir_all(workspace.join(".git")).expect("create .git marker");
    (folder, organization)
}

fn sql_findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    findings(report).into_iter().filter(|finding| finding["rule"] == "sql-injection").collect()
}

fn problem_codes(report: &serde_json::Value) -> Vec<String> {
    report["policy_problems"]
        .as_array()
        .map(|problems| problems.iter().filter_map(|problem| problem["code"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[test]
fn workspace_cannot_disable_organization_rule() {
    let (folder, organization) = layered_workspace("off");
    let organization = organization.to_string_lossy().into_owned();

    let (report, output) = check_json(&folder.path().join("app"), &["--steering", &organization, "."]);

    let sql = sql_findings(&report);
    assert_eq!(sql.len(), 1, "the organization rule still fires: {report:#}");
    assert_eq!(sql[0]["severity"], "error");
    assert_eq!(output.status.code(), Some(1));
    assert!(problem_codes(&report).iter().any(|code| code == "weakened-organization-rule"), "{report:#}");
}

#[test]
fn workspace_cannot_lower_organization_severity() {
    let (folder, organization) = layered_workspace("hint");
    let organization = organization.to_string_lossy().into_owned();

    let (report, _) = check_json(&folder.path().join("app"), &["--steering", &organization, "."]);

    let sql = sql_findings(&report);
    assert_eq!(sql.len(), 1, "{report:#}");
    assert_eq!(sql[0]["severity"], "error");
    assert!(problem_codes(&report).iter().any(|code| code == "weakened-organization-rule"), "{report:#}");
}

#[test]
fn citations_list_workspace_section_first() {
    let (folder, organization) = layered_workspace("error");
    let organization = organization.to_string_lossy().into_owned();

    let (report, _) = check_json(&folder.path().join("app"), &["--steering", &organization, "."]);

    let sql = sql_findings(&report);
    assert_eq!(sql.len(), 1, "{report:#}");
    let sections: Vec<&str> = sql[0]["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .filter_map(|citation| citation["section"].as_str())
        .collect();
    assert_eq!(sections.len(), 2, "{sections:?}");
    assert!(sections[0].contains("SQL"), "{sections:?}");
    assert!(sections[1].contains("Database access"), "{sections:?}");
    assert!(!problem_codes(&report).iter().any(|code| code == "weakened-organization-rule"), "{report:#}");
}
