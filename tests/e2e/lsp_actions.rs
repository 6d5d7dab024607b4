//! Code actions through the language server: the preferred quick fix for a
//! finding, applied by the client, removes the finding.

use serde_json::{Value, json};

use crate::support::lsp_client::LspClient;
use crate::support::{Encoding, apply_lsp_edit, file_uri};

const SOURCE: &str = "import sqlite3\n\n\ndef find_orders(customer):\n    conn = sqlite3.connect(\"shop.db\")\n    return conn.execute(f\"SELECT id FROM orders WHERE customer = '{customer}'\").fetchall()\n";

/// Collects the text edits of a workspace edit for one URI, from `changes` or `documentChanges`.
fn text_edits(workspace_edit: &Value, uri: &str) -> Vec<Value> {
    if let Some(edits) = workspace_edit["changes"][uri].as_array() {
        return edits.clone();
    }
    workspace_edit["documentChanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|change| change["textDocument"]["uri"] == uri)
        .flat_map(|change| change["edits"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn start_key(edit: &Value) -> (u64, u64) {
    let start = &edit["range"]["start"];
    (start["line"].as_u64().unwrap_or(0), start["character"].as_u64().unwrap_or(0))
}

#[test]
fn preferred_fix_removes_sql_finding() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let uri = file_uri(&workspace.path().join("app.py"));
    let mut client = LspClient::start(workspace.path(), &[Encoding::Utf16]);
    let encoding = client.encoding;

    client.did_open(&uri, 1, SOURCE);
    let params = client.wait_for_version(&uri, 1);
    let diagnostic = params["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|diagnostic| diagnostic["code"] == "sql-injection")
        .cloned()
        .expect("an sql-injection diagnostic");
    let finding_line = diagnostic["range"]["start"]["line"].clone();

    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic], "triggerKind": 1},
        }),
    );
    let preferred = actions
        .as_array()
        .into_iter()
        .flatten()
        .find(|action| action["kind"] == "quickfix" && action["isPreferred"] == true)
        .cloned()
        .unwrap_or_else(|| panic!("no preferred quickfix among {actions:#}"));

    let mut edits = text_edits(&preferred["edit"], &uri);
    assert!(!edits.is_empty(), "the preferred fix has no edits: {preferred:#}");
    edits.sort_by_key(|edit| std::cmp::Reverse(start_key(edit)));

    let mut text = SOURCE.to_owned();
    let mut changes = Vec::new();
    for edit in &edits {
        let new_text = edit["newText"].as_str().expect("newText");
        apply_lsp_edit(&mut text, &edit["range"], new_text, encoding);
        changes.push(json!({"range": edit["range"], "text": new_text}));
    }
    client.did_change(&uri, 2, changes);
    let fixed = client.wait_for_version(&uri, 2);

    let remaining: Vec<&Value> = fixed["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|diagnostic| diagnostic["code"] == "sql-injection" && diagnostic["range"]["start"]["line"] == finding_line)
        .collect();
    assert!(remaining.is_empty(), "the fix left {remaining:#?}\nfixed text:\n{text}");
    assert!(text.contains("= ?"), "no `?` placeholder in:\n{text}");
    assert!(text.contains("(customer,)"), "no parameter tuple in:\n{text}");
    client.shutdown();
}
