//! Multi-root workspaces: each root's own steering documents, the deepest
//! root for nested ones, root-relative `files:` globs, and folder changes.

use std::path::Path;

use serde_json::{Value, json};

use crate::tests::harness::{TestClient, codes, file_uri, pull_capabilities, workspace_folders};

/// A call that only the custom rules below flag, because no built-in check covers this module.
const CUSTOM_CALL: &str = "import acme_billing\nacme_billing.charge_card()\n";

/// Writes a steering document binding a `calls:` rule on `acme_billing.charge_card`, limited to `files` when given.
fn write_steering(root: &Path, rule_id: &str, files: Option<&str>) {
    let folder = root.join(".guardian/steering");
    std::fs::create_dir_all(&folder).expect("create steering folder");
    let files_line = files.map(|glob| format!("files: [\"{glob}\"]\n")).unwrap_or_default();
    let text = format!(
        "# Team Standards\n\n## Billing calls\n\n```guardian\nid: {rule_id}\ncalls: [acme_billing.charge_card]\nseverity: warning\n{files_line}```\n"
    );
    std::fs::write(folder.join("team.md"), text).expect("write steering document");
}

async fn start(roots: &[&Path]) -> TestClient {
    let initialize = json!({"capabilities": pull_capabilities(), "workspaceFolders": workspace_folders(roots)});
    TestClient::start(initialize, Value::Null).await
}

/// Opens a document with [`CUSTOM_CALL`] at `path` and returns the codes of its pulled diagnostics.
async fn pulled_codes(client: &mut TestClient, path: &Path) -> Vec<String> {
    let uri = file_uri(path);
    client.open(&uri, 1, CUSTOM_CALL).await;
    let report = client.pull(&uri, None).await;
    codes(&report["items"])
}

#[tokio::test]
async fn each_root_uses_own_policy() {
    let folder = tempfile::tempdir().expect("temp dir");
    let team_root = folder.path().join("team");
    let plain_root = folder.path().join("plain");
    write_steering(&team_root, "insecure-billing-call", Some("src/*.py"));
    std::fs::create_dir_all(&plain_root).expect("create plain root");

    let mut client = start(&[&team_root, &plain_root]).await;

    assert_eq!(pulled_codes(&mut client, &team_root.join("src/app.py")).await, ["insecure-billing-call"]);
    assert!(pulled_codes(&mut client, &team_root.join("other.py")).await.is_empty(), "files: is relative to the root");
    assert!(pulled_codes(&mut client, &plain_root.join("src/app.py")).await.is_empty());
    assert!(pulled_codes(&mut client, &folder.path().join("outside/src/app.py")).await.is_empty());
}

#[tokio::test]
async fn deepest_root_wins() {
    let folder = tempfile::tempdir().expect("temp dir");
    let outer_root = folder.path().join("outer");
    let inner_root = outer_root.join("inner");
    write_steering(&outer_root, "outer-billing-call", None);
    write_steering(&inner_root, "inner-billing-call", Some("src/*.py"));

    let mut client = start(&[&outer_root, &inner_root]).await;

    assert_eq!(pulled_codes(&mut client, &inner_root.join("src/app.py")).await, ["inner-billing-call"]);
    assert_eq!(pulled_codes(&mut client, &outer_root.join("src/app.py")).await, ["outer-billing-call"]);
}

#[tokio::test]
async fn folder_changes_reload_policies() {
    let folder = tempfile::tempdir().expect("temp dir");
    let first_root = folder.path().join("first");
    let added_root = folder.path().join("added");
    std::fs::create_dir_all(&first_root).expect("create first root");
    write_steering(&added_root, "added-billing-call", None);
    let document = added_root.join("app.py");

    let mut client = start(&[&first_root]).await;
    assert!(pulled_codes(&mut client, &document).await.is_empty(), "not yet a workspace root");

    let added = json!({"event": {"added": workspace_folders(&[&added_root]), "removed": []}});
    client.notify("workspace/didChangeWorkspaceFolders", added).await;
    let report = client.pull(&file_uri(&document), None).await;
    assert_eq!(codes(&report["items"]), ["added-billing-call"]);

    let removed = json!({"event": {"added": [], "removed": workspace_folders(&[&added_root])}});
    client.notify("workspace/didChangeWorkspaceFolders", removed).await;
    let report = client.pull(&file_uri(&document), None).await;
    assert!(codes(&report["items"]).is_empty(), "a removed root no longer contributes its steering documents");
}
