//! Pull diagnostics (`textDocument/diagnostic`): full and unchanged reports,
//! no pushes to pull clients, and refresh requests after a policy reload.

use std::time::Duration;

use serde_json::{Value, json};

use crate::tests::harness::{TestClient, codes, pull_capabilities, push_capabilities};

const UNSAFE_YAML: &str = "import yaml\n\ndef load(data):\n    return yaml.load(data)\n";
const SAFE_YAML: &str = "import yaml\n\ndef load(data):\n    return yaml.safe_load(data)\n";
const URI: &str = "file:///nonexistent-guardian-test/app.py";

async fn pull_client() -> TestClient {
    TestClient::start(json!({"capabilities": pull_capabilities()}), Value::Null).await
}

#[tokio::test]
async fn capabilities_are_advertised() {
    let client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    let capabilities = &client.initialize_result["capabilities"];

    assert_eq!(
        capabilities["diagnosticProvider"],
        json!({"identifier": "guardian", "interFileDependencies": false, "workspaceDiagnostics": false})
    );
    assert_eq!(capabilities["workspace"]["workspaceFolders"], json!({"supported": true, "changeNotifications": true}));
    assert_eq!(
        capabilities["executeCommandProvider"]["commands"],
        json!(["guardian.openPolicy", "guardian.scanWorkspace"])
    );
}

#[tokio::test]
async fn full_report_then_unchanged() {
    let mut client = pull_client().await;
    client.open(URI, 1, UNSAFE_YAML).await;

    let first = client.pull(URI, None).await;
    assert_eq!(first["kind"], "full");
    assert_eq!(codes(&first["items"]), ["deserialization"]);
    let result_id = first["resultId"].as_str().expect("full reports carry a resultId").to_string();

    let second = client.pull(URI, Some(&result_id)).await;
    assert_eq!(second, json!({"kind": "unchanged", "resultId": result_id}));

    let stale = client.pull(URI, Some("0-0")).await;
    assert_eq!(stale["kind"], "full", "an unknown previousResultId gets a full report");
}

#[tokio::test]
async fn change_produces_new_result() {
    let mut client = pull_client().await;
    client.open(URI, 1, UNSAFE_YAML).await;
    let before = client.pull(URI, None).await;
    let before_id = before["resultId"].as_str().expect("resultId").to_string();

    client.replace_text(URI, 2, SAFE_YAML).await;
    let after = client.pull(URI, Some(&before_id)).await;

    assert_eq!(after["kind"], "full");
    assert_eq!(after["items"], json!([]));
    assert_ne!(after["resultId"].as_str(), Some(before_id.as_str()));
}

#[tokio::test]
async fn unknown_document_gets_empty_report() {
    let mut client = pull_client().await;
    let report = client.pull("file:///nonexistent-guardian-test/never-opened.py", None).await;
    assert_eq!(report, json!({"kind": "full", "items": []}));
}

#[tokio::test]
async fn pull_client_receives_no_push() {
    let mut client = pull_client().await;
    client.open(URI, 1, UNSAFE_YAML).await;
    client.replace_text(URI, 2, UNSAFE_YAML).await;

    // Absence can only be observed by waiting; a push would arrive well within this time.
    let messages = client.messages_within(Duration::from_millis(500)).await;
    let pushes: Vec<&(String, Value)> =
        messages.iter().filter(|(method, _)| method == "textDocument/publishDiagnostics").collect();
    assert!(pushes.is_empty(), "unexpected pushes: {pushes:?}");
}

#[tokio::test]
async fn push_client_receives_push() {
    let mut client = TestClient::start(json!({"capabilities": push_capabilities()}), Value::Null).await;
    client.open(URI, 1, UNSAFE_YAML).await;

    let published = client.expect_publish(URI).await;
    assert_eq!(published["version"], 1);
    assert_eq!(codes(&published["diagnostics"]), ["deserialization"]);
}

#[tokio::test]
async fn policy_reload_requests_refresh() {
    let mut client = pull_client().await;
    client.open(URI, 1, UNSAFE_YAML).await;
    let before = client.pull(URI, None).await;

    client.set_configuration(json!({"steering": {"paths": ["/nonexistent-guardian-test/org-policy"]}}));
    client.notify("workspace/didChangeConfiguration", json!({"settings": null})).await;
    client.expect_message("workspace/diagnostic/refresh").await;

    let after = client.pull(URI, before["resultId"].as_str()).await;
    assert_eq!(after["kind"], "full", "a new policy generation invalidates the previous result");
}
