//! `guardian.scanWorkspace`: `.gitignore`, open documents, work-done
//! progress, clearing fixed files, cancellation and one scan at a time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use tower_lsp_server::ls_types::NumberOrString;

use crate::session::ActiveScan;
use crate::tests::harness::{TestClient, codes, file_uri, pull_capabilities, shared_path, workspace_folders};

const UNSAFE_YAML: &str = "import yaml\nyaml.load(data)\n";
const SAFE_YAML: &str = "import yaml\nyaml.safe_load(data)\n";

/// Writes a workspace with two unsafe files (one of them ignored by Git), a clean one and one to open in the editor.
fn write_workspace(root: &Path) {
    for (relative, text) in [
        (".gitignore", "build/\n"),
        ("unsafe.py", UNSAFE_YAML),
        ("pkg/clean.py", SAFE_YAML),
        ("build/ignored.py", UNSAFE_YAML),
        ("opened.py", UNSAFE_YAML),
    ] {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("files have a parent")).expect("create folder");
        std::fs::write(path, text).expect("write file");
    }
}

async fn start(root: &Path) -> TestClient {
    let initialize = json!({"capabilities": pull_capabilities(), "workspaceFolders": workspace_folders(&[root])});
    TestClient::start(initialize, Value::Null).await
}

async fn scan(client: &mut TestClient) -> Result<Value, tower_lsp_server::jsonrpc::Error> {
    client.request("workspace/executeCommand", json!({"command": "guardian.scanWorkspace", "arguments": []})).await
}

/// Collects messages up to the scan's final `$/progress` and returns `(method, params)` pairs.
async fn messages_until_progress_end(client: &mut TestClient) -> Vec<(String, Value)> {
    let mut messages = Vec::new();
    loop {
        let (method, params) = client.next_message().await;
        let ended = method == "$/progress" && params["value"]["kind"] == "end";
        messages.push((method, params));
        if ended {
            return messages;
        }
    }
}

fn publishes(messages: &[(String, Value)]) -> Vec<&Value> {
    messages.iter().filter(|(method, _)| method == "textDocument/publishDiagnostics").map(|(_, params)| params).collect()
}

#[tokio::test]
async fn scan_publishes_closed_files_only() {
    let folder = tempfile::tempdir().expect("temp dir");
    let root = folder.path();
    write_workspace(root);
    let mut client = start(root).await;
    client.open(&file_uri(&root.join("opened.py")), 1, UNSAFE_YAML).await;

    let summary = scan(&mut client).await.expect("scan succeeds");
    assert_eq!(
        summary,
        json!({"filesScanned": 3, "filesWithFindings": 2, "findings": 2, "filesSkipped": 0, "truncated": false, "cancelled": false})
    );

    let messages = messages_until_progress_end(&mut client).await;
    let published = publishes(&messages);
    assert_eq!(published.len(), 1, "only unsafe.py is closed and unsafe: {published:?}");
    assert_eq!(published[0]["uri"], file_uri(&root.join("unsafe.py")));
    assert_eq!(codes(&published[0]["diagnostics"]), ["deserialization"]);
}

#[tokio::test]
async fn scan_reports_progress() {
    let folder = tempfile::tempdir().expect("temp dir");
    write_workspace(folder.path());
    let mut client = start(folder.path()).await;

    scan(&mut client).await.expect("scan succeeds");
    let messages = messages_until_progress_end(&mut client).await;

    let created = messages.iter().find(|(method, _)| method == "window/workDoneProgress/create");
    let token = created.map(|(_, params)| params["token"].clone()).expect("the server creates a progress token");
    let progress: Vec<&Value> = messages
        .iter()
        .filter(|(method, params)| method == "$/progress" && params["token"] == token)
        .map(|(_, params)| &params["value"])
        .collect();

    let kinds: Vec<&str> = progress.iter().filter_map(|value| value["kind"].as_str()).collect();
    assert_eq!(kinds, ["begin", "report", "end"]);
    assert_eq!(progress[0]["percentage"], 0);
    assert_eq!(progress[0]["cancellable"], true);
    assert_eq!(progress[1]["percentage"], 100);
    assert_eq!(progress[2]["message"], "3 files, 2 findings");
}

#[tokio::test]
async fn rescan_clears_fixed_files() {
    let folder = tempfile::tempdir().expect("temp dir");
    let root = folder.path();
    write_workspace(root);
    let mut client = start(root).await;
    let unsafe_uri = file_uri(&root.join("unsafe.py"));

    scan(&mut client).await.expect("first scan succeeds");
    messages_until_progress_end(&mut client).await;

    std::fs::write(root.join("unsafe.py"), SAFE_YAML).expect("fix the file");
    scan(&mut client).await.expect("second scan succeeds");
    let messages = messages_until_progress_end(&mut client).await;

    let cleared: Vec<&Value> = publishes(&messages).into_iter().filter(|params| params["uri"] == unsafe_uri).collect();
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0]["diagnostics"], json!([]));
}

#[tokio::test]
async fn second_scan_is_rejected() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut client = start(folder.path()).await;
    let running = ActiveScan { token: NumberOrString::String("running".to_string()), cancelled: Arc::new(AtomicBool::new(false)) };
    assert!(client.server().session().start_scan(running));

    let error = scan(&mut client).await.expect_err("a second scan is rejected");
    assert!(error.message.contains("already running"), "message: {}", error.message);
}

#[tokio::test]
async fn cancel_notification_sets_flag() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut client = start(folder.path()).await;
    let cancelled = Arc::new(AtomicBool::new(false));
    let token = NumberOrString::String("guardian/scanWorkspace/test".to_string());
    let running = ActiveScan { token: token.clone(), cancelled: Arc::clone(&cancelled) };
    assert!(client.server().session().start_scan(running));

    client.notify("window/workDoneProgress/cancel", json!({"token": "some other token"})).await;
    assert!(!cancelled.load(Ordering::SeqCst), "another token leaves the scan running");

    client.notify("window/workDoneProgress/cancel", json!({"token": token})).await;
    assert!(cancelled.load(Ordering::SeqCst));
}

/// One line of `expected-findings.txt`: a one-based line range, then a category or `clean`, then the cited section.
struct Expectation {
    lines: std::ops::RangeInclusive<u64>,
    category: String,
    section: String,
}

fn parse_expectations(text: &str) -> Vec<Expectation> {
    let mut expectations = Vec::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
        let mut fields = line.split_whitespace();
        let range = fields.next().expect("a line range");
        let category = fields.next().expect("a category").to_string();
        let section = fields.collect::<Vec<&str>>().join(" ");
        let (start, end) = range.split_once('-').unwrap_or((range, range));
        let start: u64 = start.parse().expect("a line number");
        let end: u64 = end.parse().expect("a line number");
        expectations.push(Expectation { lines: start..=end, category, section });
    }
    expectations
}

#[tokio::test]
async fn scan_matches_fry_factory_expectations() {
    // A vulnerable Flask app with Kiro steering documents and the findings it must produce.
    let Some(root) = shared_path("examples/fry-factory") else {
        return;
    };
    let root = root.as_path();
    let expected_text = std::fs::read_to_string(root.join("expected-findings.txt")).expect("read expected findings");
    let expectations = parse_expectations(&expected_text);

    let mut client = start(root).await;
    scan(&mut client).await.expect("scan succeeds");
    let messages = messages_until_progress_end(&mut client).await;
    let app_uri = file_uri(&root.join("app.py"));
    let app = publishes(&messages).into_iter().find(|params| params["uri"] == app_uri).cloned().expect("app.py has findings");
    let diagnostics = app["diagnostics"].as_array().expect("diagnostics are an array").clone();

    for expectation in &expectations {
        // LSP lines are zero-based; the expectations are one-based.
        let in_range: Vec<&Value> = diagnostics
            .iter()
            .filter(|diagnostic| {
                let line = diagnostic["range"]["start"]["line"].as_u64().unwrap_or(u64::MAX);
                expectation.lines.contains(&(line + 1))
            })
            .collect();
        if expectation.category == "clean" {
            assert!(in_range.is_empty(), "lines {:?} must be clean: {in_range:?}", expectation.lines);
            continue;
        }
        let matching = in_range.iter().find(|diagnostic| diagnostic["code"] == expectation.category.as_str());
        let diagnostic = matching.unwrap_or_else(|| panic!("no {} on lines {:?}", expectation.category, expectation.lines));
        let message = diagnostic["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&expectation.section),
            "the {} finding on lines {:?} cites {:?}, expected {:?}",
            expectation.category,
            expectation.lines,
            message,
            expectation.section
        );
    }
}
