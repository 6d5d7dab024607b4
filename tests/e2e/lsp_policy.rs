//! Policy reload through the language server: a changed steering document,
//! announced with `workspace/didChangeWatchedFiles`, re-publishes the
//! diagnostics of open files under the new policy.

use serde_json::{Value, json};

use crate::support::lsp_client::LspClient;
use crate::support::{Encoding, file_uri, write_file};

const SOURCE: &str = "import sqlite3\n\n\ndef find(name):\n    conn = sqlite3.connect(\"db\")\n    return conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n";

/// LSP `DiagnosticSeverity` values.
const ERROR: u64 = 1;
const WARNING: u64 = 2;

fn policy(severity: &str) -> String {
    format!("# Team Policy\n\n## Database access\n\n```guardian\ncheck: sql-injection\nseverity: {severity}\n```\n")
}

fn sql_severity(params: &Value) -> Option<u64> {
    params["diagnostics"]
        .as_array()?
        .iter()
        .find(|diagnostic| diagnostic["code"] == "sql-injection")
        .and_then(|diagnostic| diagnostic["severity"].as_u64())
}

#[test]
fn steering_change_republishes_severity() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let policy_path = workspace.path().join(".guardian/steering/policy.md");
    write_file(&policy_path, &policy("warning"));
    let uri = file_uri(&workspace.path().join("app.py"));
    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);

    client.did_open(&uri, 1, SOURCE);
    let before = client.wait_for_version(&uri, 1);
    write_file(&policy_path, &policy("error"));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&policy_path), "type": 2}]}),
    );
    let after = client.wait_for_diagnostics_where(&uri, "sql-injection at error severity", |params| {
        sql_severity(params) == Some(ERROR)
    });

    assert_eq!(sql_severity(&before), Some(WARNING), "{before:#}");
    assert_eq!(sql_severity(&after), Some(ERROR));
    client.shutdown();
}
