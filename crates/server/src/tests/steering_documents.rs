//! Steering documents open in the editor: policy diagnostics from the
//! buffer text (pushed and pulled), quick fixes, hover on `check:` names,
//! and the split between buffer text and the policy loaded from disk.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::tests::harness::{TestClient, codes, file_uri, pull_capabilities, push_capabilities, workspace_folders};

/// A steering document with a comma-separated `fileMatchPattern` (line 2) and an unknown check (line 10).
const BROKEN_STEERING: &str = "---\ninclusion: fileMatch\nfileMatchPattern: \"src/é😀*.py, tests/*.py\"\n---\n\n# Team Standards\n\n## SQL\n\n```guardian\ncheck: sql-injektion\n```\n";

/// A steering document that binds a `calls:` rule with the given id and has no problems.
fn calls_steering(rule_id: &str) -> String {
    format!("# Team Standards\n\n## Billing calls\n\n```guardian\nid: {rule_id}\ncalls: [acme_billing.charge_card]\nseverity: warning\n```\n")
}

/// A call that only the `calls:` rules above flag.
const CUSTOM_CALL: &str = "import acme_billing\nacme_billing.charge_card()\n";

/// A workspace root with `src/app.py` and an empty `.kiro/steering` folder.
struct Workspace {
    _folder: tempfile::TempDir,
    root: PathBuf,
}

impl Workspace {
    fn new() -> Self {
        let folder = tempfile::tempdir().expect("temp dir");
        let root = folder.path().join("project");
        std::fs::create_dir_all(root.join("src")).expect("create src");
        std::fs::create_dir_all(root.join(".kiro/steering")).expect("create steering folder");
        std::fs::write(root.join("src/app.py"), CUSTOM_CALL).expect("write app.py");
        Self { _folder: folder, root }
    }

    fn steering_path(&self) -> PathBuf {
        self.root.join(".kiro/steering/team.md")
    }

    fn write_steering(&self, text: &str) {
        std::fs::write(self.steering_path(), text).expect("write steering document");
    }

    async fn client(&self, capabilities: Value) -> TestClient {
        let initialize = json!({"capabilities": capabilities, "workspaceFolders": workspace_folders(&[&self.root])});
        TestClient::start(initialize, Value::Null).await
    }
}

async fn open_markdown(client: &mut TestClient, path: &Path, version: i32, text: &str) -> String {
    let uri = file_uri(path);
    let params = json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": version, "text": text}});
    client.notify("textDocument/didOpen", params).await;
    uri
}

fn utf8_push_capabilities() -> Value {
    let mut capabilities = push_capabilities();
    capabilities["general"]["positionEncodings"] = json!(["utf-8", "utf-16"]);
    capabilities
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}})
}

/// Returns the diagnostic with this code, failing the test when there is none.
fn diagnostic_with_code<'a>(diagnostics: &'a Value, code: &str) -> &'a Value {
    let found = diagnostics.as_array().expect("diagnostics are an array").iter().find(|diagnostic| diagnostic["code"] == code);
    found.unwrap_or_else(|| panic!("no {code} diagnostic in {diagnostics:#}"))
}

#[tokio::test]
async fn open_publishes_buffer_problems() {
    let workspace = Workspace::new();
    // The file on disk is clean: every problem below comes from the buffer.
    workspace.write_steering(&calls_steering("billing-call"));
    let mut client = workspace.client(push_capabilities()).await;

    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;
    let published = client.expect_publish(&uri).await;

    assert_eq!(published["version"], 1);
    let diagnostics = &published["diagnostics"];
    assert_eq!(codes(diagnostics), ["comma-separated-pattern", "unmatched-pattern", "unknown-check"]);

    let comma = diagnostic_with_code(diagnostics, "comma-separated-pattern");
    // UTF-16: é is one unit and 😀 two, so the 42-character line ends at column 43.
    assert_eq!(comma["range"], range((2, 0), (2, 43)));
    assert_eq!(comma["severity"], 2, "warning");
    assert_eq!(comma["source"], "guardian");

    let unknown = diagnostic_with_code(diagnostics, "unknown-check");
    assert_eq!(unknown["severity"], 1, "error");
    assert_eq!(unknown["source"], "guardian");
    assert_eq!(unknown["range"]["start"]["line"], 10);
}

#[tokio::test]
async fn ranges_use_negotiated_utf8() {
    let workspace = Workspace::new();
    let mut client = workspace.client(utf8_push_capabilities()).await;

    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;
    let published = client.expect_publish(&uri).await;

    // UTF-8: é is two bytes and 😀 four, so the 42-character line ends at byte column 46.
    let comma = diagnostic_with_code(&published["diagnostics"], "comma-separated-pattern");
    assert_eq!(comma["range"], range((2, 0), (2, 46)));
}

#[tokio::test]
async fn edits_republish_and_close_clears() {
    let workspace = Workspace::new();
    let mut client = workspace.client(push_capabilities()).await;
    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;
    client.expect_publish(&uri).await;

    // Fix the check name with a ranged edit: `sql-injektion` starts at column 7 of line 10.
    let change = json!({
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": range((10, 7), (10, 20)), "text": "sql-injection"}]
    });
    client.notify("textDocument/didChange", change).await;
    let published = client.expect_matching("textDocument/publishDiagnostics", |params| params["version"] == 2).await;
    assert_eq!(codes(&published["diagnostics"]), ["comma-separated-pattern", "unmatched-pattern"]);

    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}})).await;
    let cleared = client.expect_publish(&uri).await;
    assert_eq!(cleared["diagnostics"], json!([]));
    assert!(client.server().session().steering_documents().get(&uri.parse().expect("valid URI")).is_none());
}

#[tokio::test]
async fn other_markdown_is_not_tracked() {
    let workspace = Workspace::new();
    let mut client = workspace.client(pull_capabilities()).await;

    let readme = open_markdown(&mut client, &workspace.root.join("README.md"), 1, BROKEN_STEERING).await;
    let nested = open_markdown(&mut client, &workspace.root.join("src/.kiro/steering/team.md"), 1, BROKEN_STEERING).await;

    for uri in [readme, nested] {
        let report = client.pull(&uri, None).await;
        assert_eq!(report, json!({"kind": "full", "items": []}), "{uri}");
    }
    assert!(client.server().session().steering_documents().is_empty());
}

#[tokio::test]
async fn pull_reports_buffer_problems() {
    let workspace = Workspace::new();
    let mut client = workspace.client(pull_capabilities()).await;
    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;

    let first = client.pull(&uri, None).await;
    assert_eq!(first["kind"], "full");
    assert_eq!(codes(&first["items"]), ["comma-separated-pattern", "unmatched-pattern", "unknown-check"]);

    let result_id = first["resultId"].as_str().expect("full reports carry a resultId").to_string();
    let second = client.pull(&uri, Some(&result_id)).await;
    assert_eq!(second, json!({"kind": "unchanged", "resultId": result_id}));

    client.replace_text(&uri, 2, &calls_steering("billing-call")).await;
    let after = client.pull(&uri, Some(&result_id)).await;
    assert_eq!(after["kind"], "full");
    assert_eq!(after["items"], json!([]));
}

#[tokio::test]
async fn quick_fix_writes_yaml_list() {
    let workspace = Workspace::new();
    let mut client = workspace.client(pull_capabilities()).await;
    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;

    let params = json!({
        "textDocument": {"uri": uri},
        "range": range((2, 5), (2, 5)),
        "context": {"diagnostics": []}
    });
    let actions = client.request("textDocument/codeAction", params).await.expect("code action request succeeds");
    let actions = actions.as_array().expect("code actions are an array");

    assert_eq!(actions.len(), 1, "only the comma-separated pattern has a fix: {actions:#?}");
    let action = &actions[0];
    assert_eq!(action["title"], "Write the patterns as a YAML list");
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    assert_eq!(action["diagnostics"][0]["code"], "comma-separated-pattern");

    let edits = &action["edit"]["changes"][uri.as_str()];
    assert_eq!(edits.as_array().map(Vec::len), Some(1));
    assert_eq!(edits[0]["range"], range((2, 0), (2, 43)));
    assert_eq!(edits[0]["newText"], "fileMatchPattern:\n  - \"src/é😀*.py\"\n  - \"tests/*.py\"");

    // The buffer with the fix applied no longer has the problem.
    let fixed_line = edits[0]["newText"].as_str().expect("newText is a string");
    let fixed = BROKEN_STEERING.replace("fileMatchPattern: \"src/é😀*.py, tests/*.py\"", fixed_line);
    client.replace_text(&uri, 2, &fixed).await;
    let report = client.pull(&uri, None).await;
    assert!(!codes(&report["items"]).contains(&"comma-separated-pattern".to_string()), "{report:#}");
}

#[tokio::test]
async fn quick_fix_respects_only() {
    let workspace = Workspace::new();
    let mut client = workspace.client(pull_capabilities()).await;
    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;

    let params = json!({
        "textDocument": {"uri": uri},
        "range": range((2, 5), (2, 5)),
        "context": {"diagnostics": [], "only": ["source.fixAll"]}
    });
    let actions = client.request("textDocument/codeAction", params).await.expect("code action request succeeds");
    assert_eq!(actions, json!([]));
}

/// Returns the hover at a position, or `Value::Null`.
async fn hover(client: &mut TestClient, uri: &str, position: (u32, u32)) -> Value {
    let params = json!({"textDocument": {"uri": uri}, "position": {"line": position.0, "character": position.1}});
    client.request("textDocument/hover", params).await.expect("hover request succeeds")
}

#[tokio::test]
async fn hover_on_check_shows_documentation() {
    let workspace = Workspace::new();
    let mut client = workspace.client(pull_capabilities()).await;
    let text = "# Standards\n\n## SQL\n\n```guardian\n- check: sql-injection  # parameterize\n- check: sql-injektion\n```\n\ncheck: sql-injection\n";
    let uri = open_markdown(&mut client, &workspace.steering_path(), 1, text).await;

    let shown = hover(&mut client, &uri, (5, 12)).await;
    let documentation = guardian_analysis::check_info("sql-injection").expect("sql-injection is in the catalog").documentation;
    let value = shown["contents"]["value"].as_str().expect("hover has Markdown contents");
    assert_eq!(shown["contents"]["kind"], "markdown");
    assert!(value.starts_with("**guardian check: `sql-injection`**"), "{value}");
    assert!(value.contains(documentation.trim()), "{value}");
    assert_eq!(shown["range"], range((5, 9), (5, 22)));

    assert_eq!(hover(&mut client, &uri, (6, 12)).await, Value::Null, "an unknown check has no documentation");
    assert_eq!(hover(&mut client, &uri, (9, 10)).await, Value::Null, "prose outside a rule block");
    assert_eq!(hover(&mut client, &uri, (5, 28)).await, Value::Null, "the trailing comment");
}

#[tokio::test]
async fn python_policy_waits_for_save() {
    let workspace = Workspace::new();
    workspace.write_steering(&calls_steering("disk-rule"));
    let mut client = workspace.client(pull_capabilities()).await;

    let python_uri = file_uri(&workspace.root.join("src/app.py"));
    client.open(&python_uri, 1, CUSTOM_CALL).await;
    let steering_uri = open_markdown(&mut client, &workspace.steering_path(), 1, &calls_steering("disk-rule")).await;

    client.replace_text(&steering_uri, 2, &calls_steering("buffer-rule")).await;
    let before_save = client.pull(&python_uri, None).await;
    assert_eq!(codes(&before_save["items"]), ["disk-rule"], "unsaved steering text does not change the policy");

    workspace.write_steering(&calls_steering("buffer-rule"));
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": steering_uri}})).await;
    let after_save = client.pull(&python_uri, None).await;
    assert_eq!(codes(&after_save["items"]), ["buffer-rule"]);
}

#[tokio::test]
async fn disk_change_keeps_buffer_diagnostics() {
    let workspace = Workspace::new();
    workspace.write_steering(&calls_steering("old-rule"));
    let mut client = workspace.client(push_capabilities()).await;

    let python_uri = file_uri(&workspace.root.join("src/app.py"));
    client.open(&python_uri, 1, CUSTOM_CALL).await;
    let first_python = client.expect_publish(&python_uri).await;
    assert_eq!(codes(&first_python["diagnostics"]), ["old-rule"]);

    let steering_uri = open_markdown(&mut client, &workspace.steering_path(), 1, BROKEN_STEERING).await;
    let first_steering = client.expect_publish(&steering_uri).await;
    assert_eq!(codes(&first_steering["diagnostics"]), ["comma-separated-pattern", "unmatched-pattern", "unknown-check"]);

    // Another program rewrites the file; the editor's buffer keeps its own text.
    workspace.write_steering(&calls_steering("new-rule"));
    let changed = json!({"changes": [{"uri": steering_uri, "type": 2}]});
    client.notify("workspace/didChangeWatchedFiles", changed).await;

    // The two documents are re-analyzed concurrently, so their publishes may arrive in either order.
    let mut python = None;
    let mut steering = None;
    while python.is_none() || steering.is_none() {
        let published = client
            .expect_matching("textDocument/publishDiagnostics", |params| {
                params["uri"] == python_uri || params["uri"] == steering_uri
            })
            .await;
        if published["uri"] == python_uri {
            python = Some(published);
        } else {
            steering = Some(published);
        }
    }
    let (python, steering) = (python.unwrap_or_default(), steering.unwrap_or_default());

    assert_eq!(codes(&python["diagnostics"]), ["new-rule"], "Python is judged by the reloaded policy");
    assert_eq!(steering["version"], 1);
    assert_eq!(
        codes(&steering["diagnostics"]),
        ["comma-separated-pattern", "unmatched-pattern", "unknown-check"],
        "the steering document is still checked from its buffer"
    );
}
